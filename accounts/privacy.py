"""What accounts holds about a person: export it, erase it.

Every app may have a `privacy` module with these two functions; accounts.services finds
them through accounts.discovery (see `export_personal_data`, `erase_account`).
"""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.hashers import make_password
from rest_framework.authtoken.models import Token

from accounts.models import OutboxMail, User

ERASED_EMAIL_DOMAIN = "erased.invalid"


def _iso(value):
    return value.isoformat() if value else None


def export_user_data(user: User) -> dict:
    token = Token.objects.filter(user=user).first()
    return {
        "profile": {
            "email": user.email,
            "name": user.name,
            "affiliation": user.affiliation,
            "sso_affiliations": user.sso_affiliations,
            "organisation": user.organisation.slug if user.organisation else None,
            "language": user.language,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        # Everything the identity provider sent at the last login, as stored.
        "sso_accounts": [
            {
                "provider": a.provider,
                "uid": a.uid,
                "date_joined": _iso(a.date_joined),
                "last_login": _iso(a.last_login),
                "claims": a.extra_data,
            }
            for a in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
        # The key itself is a password: the export says that one exists, not what it is.
        "api_token": {"created": _iso(token.created)} if token else None,
    }


def erase_user_data(user: User) -> None:
    """Keep the row (bookings and registrations of others' rooms and events point at it) but
    strip everything that identifies the person, and make sure nobody can sign in to it."""
    Token.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    # Account mail owed to the address (a reset link, a notice) must not outlive it.
    OutboxMail.objects.filter(kind="account", payload__email=user.email).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.email = f"erased-{user.pk}@{ERASED_EMAIL_DOMAIN}"
    user.name = ""
    user.sso_affiliations = []
    # The person's bookings and registrations keep the organisation they were made under.
    user.organisation = None
    user.language = User._meta.get_field("language").default
    user.password = make_password(None)  # unusable; also ends every session of the account
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    fields = ["email", "name", "sso_affiliations", "organisation", "language", "password"]
    fields += ["is_active", "is_staff", "is_superuser"]
    if hasattr(user, "feed_nonce"):
        # The personal calendar feed's token is derived from this; a new value kills the URL.
        user.feed_nonce = type(user)._meta.get_field("feed_nonce").get_default()
        fields.append("feed_nonce")
    user.save(update_fields=fields)
