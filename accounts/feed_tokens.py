"""Personal feed tokens: the URL carries `<user id>.<HMAC of a random per-user nonce>`.

Only the nonce is stored, so a copy of the database alone cannot produce a working URL (the
HMAC needs SECRET_KEY), while the token can be shown again on `/my/` at any time. Rotating
the nonce kills every old URL at once.
"""

import re
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

_SALT = "mediacampus.feed-token"
_USER_ID = re.compile(r"[0-9]{1,18}")


def new_feed_nonce() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def feed_token(user) -> str:
    digest = salted_hmac(_SALT, f"{user.pk}:{user.feed_nonce}", algorithm="sha256").hexdigest()
    return f"{user.pk}.{digest}"


def user_for_feed_token(token: str):
    """The active user whose current token this is, or None."""
    from accounts.models import User

    user_id, _, digest = token.partition(".")
    # ASCII digits of a bigint only: str.isdigit() also takes Arabic-Indic and superscript
    # digits, which int() then refuses or reads as another number.
    if not _USER_ID.fullmatch(user_id) or not digest:
        return None
    user = User.objects.filter(pk=int(user_id), is_active=True).first()
    if user is None or not constant_time_compare(feed_token(user), token):
        return None
    return user
