import pytest

from accounts.feed_tokens import feed_token, user_for_feed_token
from accounts.services import rotate_feed_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_token_finds_its_user():
    user = UserFactory()

    assert user_for_feed_token(feed_token(user)) == user


def test_each_user_has_own_nonce_and_token():
    first, second = UserFactory(), UserFactory()

    assert first.feed_nonce != second.feed_nonce
    assert feed_token(first).split(".")[1] != feed_token(second).split(".")[1]


def test_token_has_at_least_128_bits():
    user = UserFactory()

    assert len(user.feed_nonce) >= 43  # 32 random bytes, base64url
    assert len(feed_token(user).split(".")[1]) == 64  # hex SHA-256


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),
        lambda t: t.split(".")[1],
        lambda t: "999999." + t.split(".")[1],
        lambda t: "",
        lambda t: "abc.def",
    ],
)
def test_wrong_token_finds_nobody(mangle):
    user = UserFactory()

    assert user_for_feed_token(mangle(feed_token(user))) is None


def test_rotation_kills_old_token():
    user = UserFactory()
    old = feed_token(user)

    rotate_feed_token(user=user)

    assert user_for_feed_token(old) is None
    assert user_for_feed_token(feed_token(user)) == user


def test_database_alone_does_not_give_token(settings):
    user = UserFactory()
    real = feed_token(user)

    # Everything stored about the user, with a different server secret, gives nothing.
    settings.SECRET_KEY = "an-attacker-guess-of-the-secret-key-0123456789"
    forged = feed_token(user)

    assert forged != real
    assert user.feed_nonce not in real


def test_inactive_user_token_is_dead():
    user = UserFactory(is_active=False)

    assert user_for_feed_token(feed_token(user)) is None
