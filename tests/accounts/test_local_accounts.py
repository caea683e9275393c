"""Local accounts (partners, the public): sign-up, verification, password rules and reset,
rate-limited login; all through the pages, as a person uses them."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User
from accounts.selectors import email_is_verified
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "lang-genoeg-wachtwoord-42"


def sign_up(client, email="nieuw@example.org", password=GOOD_PASSWORD, **extra):
    return client.post(
        "/en/accounts/signup/",
        {"email": email, "name": "Nieuwe Partner", "password1": password, "password2": password}
        | extra,
    )


def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S*/accounts/confirm-email/\S+/)", message.body).group(1)


def test_signup_is_public_and_unverified_until_link_followed(
    client, django_capture_on_commit_callbacks
):
    # The confirmation mail is owed with the new account and sent once that commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, affiliation="hu")

    user = User.objects.get(email="nieuw@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/confirm-email/"
    assert user.affiliation == "public"
    assert user.name == "Nieuwe Partner"
    assert not email_is_verified(user)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nieuw@example.org"]


def test_unverified_account_cannot_sign_in_until_confirmed(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client)
    client.logout()

    refused = client.post(
        "/en/accounts/login/", {"login": "nieuw@example.org", "password": GOOD_PASSWORD}
    )
    link = confirmation_link(mail.outbox[0])
    confirmed = client.post(link)

    user = User.objects.get(email="nieuw@example.org")
    assert refused.status_code == 302
    assert refused["Location"] == "/en/accounts/confirm-email/"
    assert confirmed.status_code == 302
    assert email_is_verified(user)
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kort-1", "This password is too short"),
        ("1234567890123", "This password is entirely numeric"),
        ("password123", "This password is too common"),
    ],
)
def test_signup_password_rules_shown_next_to_field(client, password, message):
    response = sign_up(client, password=password)

    html = response.content.decode()
    assert response.status_code == 200
    assert not User.objects.exists()
    error = re.search(r'<p class="error" id="id_password1_error">(.*?)</p>', html, re.S)
    assert error is not None
    assert message in error.group(1)


def test_password_reset_by_mail_sets_new_password(client, django_capture_on_commit_callbacks):
    UserFactory(email="partner@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/accounts/password/reset/", {"email": "partner@example.org"})
    link = re.search(r"https?://[^/\s]+(/\S*/password/reset/key/\S+/)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "een-heel-nieuw-wachtwoord", "password2": "een-heel-nieuw-wachtwoord"},
    )

    assert done.status_code == 302
    assert client.login(email="partner@example.org", password="een-heel-nieuw-wachtwoord")
    assert not client.login(email="partner@example.org", password=DEFAULT_PASSWORD)


def test_login_rate_limited_per_account(client):
    user = UserFactory(email="target@example.org")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    for _ in range(5):
        client.post("/en/accounts/login/", {"login": "target@example.org", "password": "wrong"})

    # Even the right password is refused now, so guessing cannot continue.
    response = client.post(
        "/en/accounts/login/", {"login": "target@example.org", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_rate_limit_per_account_does_not_lock_other_accounts(client):
    other = UserFactory(email="other@example.org")
    EmailAddress.objects.create(user=other, email=other.email, verified=True, primary=True)
    for _ in range(5):
        client.post("/en/accounts/login/", {"login": "target@example.org", "password": "wrong"})

    response = client.post(
        "/en/accounts/login/", {"login": "other@example.org", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_login_rate_limited_per_address(client):
    for n in range(10):
        client.post("/en/accounts/login/", {"login": f"guess{n}@example.org", "password": "x"})

    response = client.post("/en/accounts/login/", {"login": "fresh@example.org", "password": "x"})

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()


def test_login_page_rate_limited_per_address(client):
    for _ in range(30):
        client.get("/en/accounts/login/")
        client.post("/en/accounts/login/", {"login": "a@example.org", "password": "x"})

    response = client.post("/en/accounts/login/", {"login": "a@example.org", "password": "x"})

    assert response.status_code == 429


def test_profile_form_ignores_posted_affiliation(user_client):
    response = user_client.post(
        "/my/profile/",
        {"name": "Nieuwe Naam", "language": "en", "affiliation": "municipality"},
    )

    user = User.objects.get(pk=user_client.user.pk)
    assert response.status_code == 302
    assert (user.name, user.language, user.affiliation) == ("Nieuwe Naam", "en", "hu")


def test_me_patch_cannot_change_affiliation(user_api):
    response = user_api.patch("/api/v1/me/", {"affiliation": "public"}, format="json")

    user_api.user.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["affiliation"] == "hu"
    assert user_api.user.affiliation == "hu"


def test_sso_signup_form_has_no_affiliation_field():
    from allauth.socialaccount.forms import SignupForm as SocialSignupForm

    from accounts.forms import ProfileForm, SignupForm

    assert "affiliation" not in SignupForm().fields
    assert "affiliation" not in ProfileForm().fields
    assert "affiliation" not in SocialSignupForm.base_fields


@pytest.mark.parametrize(
    ("path", "lang", "text"),
    [
        ("/accounts/login/", "nl", "Inloggen"),
        ("/en/accounts/login/", "en", "Sign in"),
        ("/en/accounts/signup/", "en", "Sign Up"),
        ("/en/accounts/password/reset/", "en", "Password Reset"),
        ("/accounts/signup/", "nl", "Account aanmaken"),
    ],
)
def test_account_pages_render_in_site_layout_with_labels(client, path, lang, text):
    response = client.get(path)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert 'class="site-header"' in html
    assert text in html
    inputs = re.findall(r'<input[^>]+type="(?:email|password|text)"[^>]*id="([^"]+)"', html)
    assert inputs
    for input_id in inputs:
        assert f'<label for="{input_id}"' in html


def test_api_token_login_shares_the_per_account_rate_limit(api_client):
    UserFactory(email="api@example.org")
    for _ in range(5):
        api_client.post(
            "/api/v1/auth/token/", {"email": "api@example.org", "password": "wrong"}, format="json"
        )

    response = api_client.post(
        "/api/v1/auth/token/",
        {"email": "api@example.org", "password": DEFAULT_PASSWORD},
        format="json",
    )

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["detail"]


def test_login_page_without_sso_configuration_shows_no_sso_buttons(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"APPS": []}}

    html = client.get("/en/accounts/login/").content.decode()

    assert "/accounts/oidc/" not in html
    assert "Sign in with your organisation" not in html
