from allauth.account.adapter import get_adapter as get_account_adapter
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import Throttled

from accounts.feed_tokens import feed_token
from accounts.models import Organisation, User
from accounts.selectors import email_is_verified, sso_account_exists


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)

    def validate(self, attrs):
        request = self.context.get("request")
        if sso_account_exists(attrs["email"]):
            # It has no password (docs/sso.md); its token is on the profile page, after an
            # SSO sign-in, and lapses SSO_API_TOKEN_DAYS after the last one.
            raise serializers.ValidationError(
                _(
                    "This account signs in with its organisation and has no password. "
                    "Sign in on the website and copy your API token from your profile."
                ),
                code="sso_account",
            )
        try:
            # allauth's authenticate counts failures per address and per account in the same
            # buckets as the sign-in page, so the API is no side door for guessing.
            user = get_account_adapter(request).authenticate(
                request, email=attrs["email"], password=attrs["password"]
            )
        except DjangoValidationError as too_many:
            raise Throttled(detail=_("Too many failed sign-in attempts. Try again later.")) from (
                too_many
            )
        if user is None or not email_is_verified(user):
            raise serializers.ValidationError(
                _("Unable to sign in with these credentials."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["slug", "name"]


class MeSerializer(serializers.ModelSerializer):
    organisation = OrganisationRefSerializer(
        read_only=True,
        allow_null=True,
        help_text="The organisation the person belongs to: from their SSO sign-in, or set by "
        "staff for a local account.",
    )
    feed_url = serializers.SerializerMethodField(
        help_text="The personal calendar feed (bookings and registrations); keep it secret."
    )

    class Meta:
        model = User
        fields = ["email", "name", "affiliation", "organisation", "language", "feed_url"]
        read_only_fields = ["email", "affiliation", "organisation"]

    def get_feed_url(self, user) -> str:
        path = reverse("feed-me", kwargs={"token": feed_token(user)})
        return self.context["request"].build_absolute_uri(path)
