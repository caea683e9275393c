import pytest
from allauth.account.models import EmailAddress
from rest_framework.authtoken.models import Token

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_token_with_good_credentials_returns_token(api_client):
    user = UserFactory(email="partner@example.org")

    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": "partner@example.org", "password": DEFAULT_PASSWORD},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}


def test_token_is_stable_across_requests(api_client):
    UserFactory(email="p@example.org")
    body = {"email": "p@example.org", "password": DEFAULT_PASSWORD}

    first = api_client.post("/api/v1/auth/token/", body, format="json").json()["token"]
    second = api_client.post("/api/v1/auth/token/", body, format="json").json()["token"]

    assert first == second


@pytest.mark.parametrize(
    "body",
    [
        {"email": "p@example.org", "password": "wrong"},
        {"email": "nobody@example.org", "password": DEFAULT_PASSWORD},
        {"email": "p@example.org"},
        {},
    ],
)
def test_token_with_bad_credentials_is_400(api_client, body):
    UserFactory(email="p@example.org")

    response = api_client.post("/api/v1/auth/token/", body, format="json")

    assert response.status_code == 400
    assert not Token.objects.exists()


def test_token_refused_for_unverified_signup(api_client):
    user = UserFactory(email="new@example.org", email_verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)

    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": "new@example.org", "password": DEFAULT_PASSWORD},
        format="json",
    )

    assert response.status_code == 400


def test_token_authenticates_api_requests(api_client):
    user = UserFactory(email="t@example.org", name="T")
    token = Token.objects.create(user=user)

    anonymous = api_client.get("/api/v1/me/")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    authenticated = api_client.get("/api/v1/me/")

    assert anonymous.status_code == 401
    assert authenticated.status_code == 200
    assert authenticated.json()["email"] == "t@example.org"


def test_wrong_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert api_client.get("/api/v1/me/").status_code == 401


def test_rotating_token_on_profile_page_kills_old_one(client, api_client):
    user = UserFactory()
    old = Token.objects.create(user=user).key
    client.force_login(user)

    page = client.get("/my/profile/")
    rotate = client.post("/my/profile/api-token/")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old}")

    assert old in page.content.decode()
    assert rotate.status_code == 302
    assert Token.objects.get(user=user).key != old
    assert api_client.get("/api/v1/me/").status_code == 401


def test_me_cannot_change_affiliation_or_email(user_api):
    response = user_api.patch(
        "/api/v1/me/",
        {"affiliation": "municipality", "email": "x@evil.example", "name": "New Name"},
        format="json",
    )

    user_api.user.refresh_from_db()
    assert response.status_code == 200
    assert user_api.user.affiliation == "hu"
    assert user_api.user.email != "x@evil.example"
    assert user_api.user.name == "New Name"
