"""API token authentication in one query that is compiled once per process.

DRF's own takes a query for the token and user, and the registration rules two more for
the email check. Here one query loads the user with that check, and its SQL is built by the
ORM once and then reused: building it costs more than running it (measured with py-spy in a
registration rush: 70% of a worker's time went into compiling the annotated query).
"""

import threading
from datetime import timedelta

from django.conf import settings
from django.db import router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from accounts.models import User
from accounts.selectors import (
    VERIFIED_ATTRIBUTE,
    email_verified_expression,
    last_sso_login_expression,
)

# Stands for the token in the SQL compiled once; found again among its parameters.
_KEY_PLACEHOLDER = "\x00token-key\x00"
_USER_FIELDS = tuple(field.attname for field in User._meta.concrete_fields)
_compiled: dict[str, tuple[str, tuple, int]] = {}
_compile_lock = threading.Lock()


def _compile(alias: str) -> tuple[str, tuple, int]:
    query = (
        User.objects.using(alias)
        .filter(auth_token__key=_KEY_PLACEHOLDER)
        .annotate(
            email_verified=email_verified_expression(), last_sso_login=last_sso_login_expression()
        )
        .values_list(*_USER_FIELDS, "email_verified", "last_sso_login")
    )
    sql, params = query.query.sql_with_params()
    return sql, tuple(params), params.index(_KEY_PLACEHOLDER)


def _user_with_verification(key: str):
    alias = router.db_for_read(User)
    if alias not in _compiled:
        with _compile_lock:
            _compiled.setdefault(alias, _compile(alias))
    sql, params, key_index = _compiled[alias]
    params = (*params[:key_index], key, *params[key_index + 1 :])
    # A raw query maps the columns to the user's fields by name, with the ORM's converters,
    # and keeps the extra column as an attribute.
    user = next(iter(User.objects.db_manager(alias).raw(sql, params)), None)
    if user is not None:
        setattr(user, VERIFIED_ATTRIBUTE, bool(user.email_verified))
    return user


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        user = _user_with_verification(key)
        if user is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if user.last_sso_login is not None and user.last_sso_login < timezone.now() - timedelta(
            days=settings.SSO_API_TOKEN_DAYS
        ):
            # The organisation may have ended the account since; only a new SSO sign-in
            # shows it has not (docs/sso.md).
            raise exceptions.AuthenticationFailed(
                _("This API token has lapsed: sign in with your organisation to renew it.")
            )
        return (user, Token(key=key, user=user))
