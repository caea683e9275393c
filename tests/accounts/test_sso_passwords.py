"""SSO accounts never get a password of their own, and what they hold lapses with SSO.

Otherwise a person whose organisation ended their account could keep signing in here with
a password, or keep using an API token, and keep the affiliation and roles it gave them.
"""

import re
from datetime import timedelta

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso_user(db):
    user = UserFactory(email="sanne@student.hu.nl")
    user.set_unusable_password()
    user.save()
    SocialAccount.objects.create(user=user, provider="surfconext", uid="surf-sanne")
    return user


@pytest.fixture
def sso_user_with_old_password(sso_user):
    # Set before this rule existed (through the set-password page), still in the database.
    sso_user.set_password(DEFAULT_PASSWORD)
    sso_user.save()
    return sso_user


@pytest.mark.parametrize("path", ["/en/accounts/password/set/", "/en/accounts/password/change/"])
def test_sso_account_cannot_set_or_change_a_password(client, sso_user, path):
    client.force_login(sso_user)

    page = client.get(path)
    posted = client.post(
        path,
        {"password1": "a-new-long-password-1", "password2": "a-new-long-password-1"}
        | {"oldpassword": DEFAULT_PASSWORD},
    )

    sso_user.refresh_from_db()
    assert page.status_code == 403
    assert "has no password of its own" in page.content.decode()
    assert posted.status_code == 403
    assert not sso_user.has_usable_password()


def test_local_account_can_still_change_its_password_control(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        "/en/accounts/password/change/",
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "a-new-long-password-1",
            "password2": "a-new-long-password-1",
        },
    )

    user.refresh_from_db()
    assert response.status_code == 302
    assert user.check_password("a-new-long-password-1")


def test_sso_account_password_reset_mail_has_no_reset_link(
    client, sso_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/accounts/password/reset/", {"email": "sanne@student.hu.nl"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/password/reset/key/" not in mail.outbox[0].body
    assert "signs in with your organisation" in mail.outbox[0].body


def test_sso_account_old_reset_link_is_refused(client, sso_user):
    key = f"{user_pk_to_url_str(sso_user)}-{default_token_generator.make_token(sso_user)}"

    to_form = client.get(f"/en/accounts/password/reset/key/{key}/")
    form = client.get(to_form["Location"])
    posted = client.post(
        to_form["Location"],
        {"password1": "a-new-long-password-1", "password2": "a-new-long-password-1"},
    )

    sso_user.refresh_from_db()
    assert to_form.status_code == 302
    assert form.status_code == 403
    assert posted.status_code == 403
    assert not sso_user.has_usable_password()


def test_local_account_reset_link_still_works_control(client):
    user = UserFactory()
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"

    to_form = client.get(f"/en/accounts/password/reset/key/{key}/")
    posted = client.post(
        to_form["Location"],
        {"password1": "a-new-long-password-1", "password2": "a-new-long-password-1"},
    )

    user.refresh_from_db()
    assert posted.status_code == 302
    assert user.check_password("a-new-long-password-1")


def test_token_endpoint_refuses_sso_account_even_with_old_password(
    api_client, sso_user_with_old_password
):
    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": "sanne@student.hu.nl", "password": DEFAULT_PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert "signs in with its organisation" in response.json()["non_field_errors"][0]
    assert not Token.objects.exists()


def sso_signed_in_days_ago(user, days):
    User.objects.filter(pk=user.pk).update(sso_signed_in_at=timezone.now() - timedelta(days=days))


def test_sso_api_token_lapses_days_after_last_sso_sign_in(api_client, sso_user, settings):
    settings.SSO_API_TOKEN_DAYS = 30
    token = Token.objects.create(user=sso_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    sso_signed_in_days_ago(sso_user, 29)
    fresh = api_client.get("/api/v1/me/")
    sso_signed_in_days_ago(sso_user, 31)
    lapsed = api_client.get("/api/v1/me/")

    assert fresh.status_code == 200
    assert lapsed.status_code == 401
    assert re.search("lapsed: sign in with your organisation", lapsed.json()["detail"])


def test_local_api_token_does_not_lapse_control(api_client, settings):
    settings.SSO_API_TOKEN_DAYS = 30
    user = UserFactory(date_joined=timezone.now() - timedelta(days=400))
    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    assert api_client.get("/api/v1/me/").status_code == 200


@pytest.mark.parametrize("path", ["login/", "login/callback/"])
def test_oidc_views_of_an_unknown_provider_are_404(client, db, path):
    response = client.get(f"/accounts/oidc/no-such-provider/{path}")

    assert response.status_code == 404
