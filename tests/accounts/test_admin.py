import pytest
from allauth.socialaccount.models import SocialAccount

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def change(admin_client, user, **fields):
    data = {
        "email": user.email,
        "name": user.name,
        "language": user.language,
        "affiliation": user.affiliation,
        "organisation": user.organisation,
        "is_active": "on",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "10:00:00",
    } | fields
    return admin_client.post(f"/en/admin/accounts/user/{user.pk}/change/", data)


def test_staff_mark_local_account_as_partner(admin_client):
    user = UserFactory(affiliation="public")

    response = change(admin_client, user, affiliation="partner", organisation="Studio BV")

    user.refresh_from_db()
    assert response.status_code == 302
    assert (user.affiliation, user.organisation) == ("partner", "Studio BV")


def test_staff_cannot_give_sso_affiliation_to_local_account(admin_client):
    user = UserFactory(affiliation="public")

    response = change(admin_client, user, affiliation="hu")

    user.refresh_from_db()
    assert response.status_code == 200
    assert "Only SSO sign-in gives" in response.content.decode()
    assert user.affiliation == "public"


def test_staff_cannot_change_affiliation_of_sso_account(admin_client):
    user = UserFactory(affiliation="hu")
    SocialAccount.objects.create(user=user, provider="surfconext", uid="s-1")

    response = change(admin_client, user, affiliation="partner")

    assert response.status_code == 200
    assert User.objects.get(pk=user.pk).affiliation == "hu"


def test_admin_user_list_renders(admin_client):
    UserFactory(email="zoek@example.org")

    response = admin_client.get("/en/admin/accounts/user/?q=zoek")

    assert response.status_code == 200
    assert "zoek@example.org" in response.content.decode()
