import json
import sys
import types
from importlib.machinery import ModuleSpec

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from rest_framework.authtoken.models import Token

from accounts.models import Organisation, User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso_student():
    user = UserFactory(
        email="sanne@student.hu.nl",
        name="Sanne de Vries",
        affiliation="hu",
        organisation=Organisation.objects.get(slug="hu"),
        sso_affiliations=["member", "student"],
        groups=["event_organisers"],
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    SocialAccount.objects.create(
        user=user,
        provider="surfconext",
        uid="surf-123",
        extra_data={"userinfo": {"sub": "surf-123", "schac_home_organization": "hu.nl"}},
    )
    Token.objects.create(user=user)
    return user


def test_export_contains_everything_accounts_holds(client, sso_student):
    client.force_login(sso_student)
    token = Token.objects.get(user=sso_student)
    account = SocialAccount.objects.get(user=sso_student)

    response = client.get("/my/data/export/")

    data = json.loads(response.content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="mediacampus-my-data-')
    assert "no-store" in response["Cache-Control"]
    assert list(data) == ["accounts", "booking", "events"]
    sso_student.refresh_from_db()
    assert data["accounts"] == {
        "profile": {
            "email": "sanne@student.hu.nl",
            "name": "Sanne de Vries",
            "affiliation": "hu",
            "sso_affiliations": ["member", "student"],
            "organisation": "hu",
            "language": "nl",
            "date_joined": sso_student.date_joined.isoformat(),
            "last_login": sso_student.last_login.isoformat(),
        },
        "roles": ["event_organisers"],
        "email_addresses": [{"email": "sanne@student.hu.nl", "verified": True, "primary": True}],
        "sso_accounts": [
            {
                "provider": "surfconext",
                "uid": "surf-123",
                "date_joined": account.date_joined.isoformat(),
                "last_login": account.last_login.isoformat(),
                "claims": {"userinfo": {"sub": "surf-123", "schac_home_organization": "hu.nl"}},
            }
        ],
        "api_token": {"created": token.created.isoformat()},
    }
    assert token.key not in response.content.decode()


def test_export_needs_login(client):
    response = client.get("/my/data/export/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_overview_links_export_and_erase(user_client):
    html = user_client.get("/en/my/").content.decode()

    assert 'href="/en/my/data/export/"' in html
    assert 'href="/en/my/erase/"' in html


def test_erase_without_confirmation_changes_nothing(client, sso_student):
    client.force_login(sso_student)

    response = client.post("/en/my/erase/", {})

    sso_student.refresh_from_db()
    assert response.status_code == 200
    assert 'id="id_confirm_error"' in response.content.decode()
    assert sso_student.is_active
    assert sso_student.email == "sanne@student.hu.nl"
    assert Token.objects.filter(user=sso_student).exists()


def test_erase_anonymises_and_locks_the_account(client, api_client, sso_student):
    token = Token.objects.get(user=sso_student).key
    client.force_login(sso_student)

    confirm_page = client.get("/en/my/erase/")
    response = client.post("/en/my/erase/", {"confirm": "on"})

    user = User.objects.get(pk=sso_student.pk)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert confirm_page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert (user.email, user.name, user.sso_affiliations) == (
        f"erased-{user.pk}@erased.invalid",
        "",
        [],
    )
    assert not user.is_active
    assert not user.has_usable_password()
    assert not user.groups.exists()
    assert not Token.objects.filter(user=user).exists()
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert api_client.get("/api/v1/me/").status_code == 401
    assert client.get("/my/").status_code == 302
    assert not client.login(email="sanne@student.hu.nl", password=DEFAULT_PASSWORD)


def test_erased_local_account_cannot_sign_in_with_old_password(client):
    user = UserFactory(email="partner@example.org")
    client.force_login(user)
    client.post("/my/erase/", {"confirm": "on"})

    response = client.post(
        "/accounts/login/", {"login": "partner@example.org", "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def _fake_privacy_module(monkeypatch, name, calls):
    module = types.ModuleType(name)
    module.__spec__ = ModuleSpec(name, None)
    module.export_user_data = lambda user: {"from": name, "user": user.pk}
    module.erase_user_data = lambda user: calls.append(name)
    monkeypatch.setitem(sys.modules, name, module)


def test_privacy_modules_of_other_apps_are_found_and_erased_in_reverse_order(
    client, monkeypatch, sso_student
):
    # booking.privacy and events.privacy come with their own issues; stand-ins with the
    # same two functions show how accounts drives them.
    calls = []
    _fake_privacy_module(monkeypatch, "booking.privacy", calls)
    _fake_privacy_module(monkeypatch, "events.privacy", calls)
    client.force_login(sso_student)

    exported = json.loads(client.get("/my/data/export/").content)
    client.post("/my/erase/", {"confirm": "on"})

    assert list(exported) == ["accounts", "booking", "events"]
    assert exported["events"] == {"from": "events.privacy", "user": sso_student.pk}
    assert calls == ["events.privacy", "booking.privacy"]
    assert not User.objects.get(pk=sso_student.pk).is_active


def test_my_overview_shows_what_the_institution_said(client, sso_student):
    client.force_login(sso_student)

    html = client.get("/en/my/").content.decode()

    assert "<dd>member, student</dd>" in html
