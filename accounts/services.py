from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.feed_tokens import new_feed_nonce
from accounts.models import User


@transaction.atomic
def rotate_api_token(*, user: User) -> Token:
    """Replace the user's API token; the old key stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def get_or_create_api_token(*, user: User) -> Token:
    token, _created = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def update_profile(*, user: User, name: str, language: str) -> User:
    user.name = name
    user.language = language
    user.save(update_fields=["name", "language"])
    return user


@transaction.atomic
def rotate_feed_token(*, user: User) -> User:
    """Give the user a new personal feed URL; every old one stops working at once."""
    user.feed_nonce = new_feed_nonce()
    user.save(update_fields=["feed_nonce"])
    return user
