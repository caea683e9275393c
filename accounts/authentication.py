"""DRF's token authentication, and the lapse of SSO accounts' tokens, in one query."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        signed_in = user.sso_signed_in_at
        if signed_in and signed_in < timezone.now() - timedelta(days=settings.SSO_API_TOKEN_DAYS):
            # The organisation may have ended the account since; only a new SSO sign-in
            # shows it has not (docs/sso.md).
            raise exceptions.AuthenticationFailed(
                _("This API token has lapsed: sign in with your organisation to renew it.")
            )
        return user, token
