"""DRF's token authentication, and the lapse of SSO accounts' tokens, in one query."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from accounts.models import User
from accounts.prepared import PreparedStatement

_TOKEN_WITH_USER_SQL_TEMPLATE = """
SELECT t.{token_created}, {user_columns}
FROM {token} AS t JOIN {user} AS u ON u.{user_id} = t.{token_user}
WHERE t.{token_key} = %(key)s
"""


def _token_with_user_sql() -> str:
    quote = connection.ops.quote_name
    return _TOKEN_WITH_USER_SQL_TEMPLATE.format(
        token=quote(Token._meta.db_table),
        token_created=quote(Token._meta.get_field("created").column),
        token_user=quote(Token._meta.get_field("user").column),
        token_key=quote(Token._meta.pk.column),
        user=quote(User._meta.db_table),
        user_id=quote(User._meta.pk.column),
        user_columns=", ".join(f"u.{quote(field.column)}" for field in User._meta.concrete_fields),
    )


# What DRF's TokenAuthentication reads (the token with its user), written in SQL with the
# names taken from the models: every API request pays for this lookup, and compiling the
# ORM's select_related query cost more CPU than the whole of a /healthz request.
_TOKEN_WITH_USER = PreparedStatement("mc_token_with_user", _token_with_user_sql())
_USER_FIELDS = [field.attname for field in User._meta.concrete_fields]


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        with connection.cursor() as cursor:
            _TOKEN_WITH_USER.execute(cursor, {"key": key})
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = User.from_db(connection.alias, _USER_FIELDS, row[1:])
        token = Token(key=key, user=user, created=row[0])
        token._state.adding, token._state.db = False, connection.alias
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        signed_in = user.sso_signed_in_at
        if signed_in and signed_in < timezone.now() - timedelta(days=settings.SSO_API_TOKEN_DAYS):
            # The organisation may have ended the account since; only a new SSO sign-in
            # shows it has not (docs/sso.md).
            raise exceptions.AuthenticationFailed(
                _("This API token has lapsed: sign in with your organisation to renew it.")
            )
        return user, token
