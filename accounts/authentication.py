"""DRF's token authentication, with the lapse of SSO accounts' tokens, in one query."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.selectors import last_sso_login_expression


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        tokens = (
            self.get_model()
            .objects.select_related("user")
            .annotate(last_sso_login=last_sso_login_expression("user_id"))
        )
        try:
            token = tokens.get(key=key)
        except self.get_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        lapse = timedelta(days=settings.SSO_API_TOKEN_DAYS)
        if token.last_sso_login is not None and token.last_sso_login < timezone.now() - lapse:
            # The organisation may have ended the account since; only a new SSO sign-in
            # shows it has not (docs/sso.md).
            raise exceptions.AuthenticationFailed(
                _("This API token has lapsed: sign in with your organisation to renew it.")
            )
        return (token.user, token)
