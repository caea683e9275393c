import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount

from accounts.models import Organisation, User
from tests.factories import DEFAULT_PASSWORD, OrganisationFactory, UserFactory

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
        "organisation": user.organisation_id or "",
        "is_active": "on",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "10:00:00",
    } | fields
    return admin_client.post(f"/en/admin/accounts/user/{user.pk}/change/", data)


def test_staff_mark_local_account_as_partner(admin_client):
    user = UserFactory(affiliation="public")

    response = change(admin_client, user, affiliation="partner")

    user.refresh_from_db()
    assert response.status_code == 302
    assert (user.affiliation, user.organisation) == ("partner", None)


def test_staff_attach_local_account_to_partner_organisation_gives_its_affiliation(admin_client):
    studio = OrganisationFactory(name="Studio Mediapark", kind="company")
    user = UserFactory(affiliation="public")

    response = change(admin_client, user, organisation=studio.pk)

    user.refresh_from_db()
    assert response.status_code == 302
    assert (user.affiliation, user.organisation) == ("partner", studio)


def test_staff_detach_local_account_makes_it_public(admin_client):
    user = UserFactory(affiliation="partner", organisation=OrganisationFactory())

    response = change(admin_client, user, organisation="")

    user.refresh_from_db()
    assert response.status_code == 302
    assert (user.affiliation, user.organisation) == ("public", None)


def test_staff_cannot_attach_local_account_to_hu(admin_client):
    hu = Organisation.objects.get(slug="hu")
    user = UserFactory(affiliation="public")

    response = change(admin_client, user, organisation=hu.pk)

    user.refresh_from_db()
    assert response.status_code == 200
    assert "Only SSO sign-in gives" in response.content.decode()
    assert (user.affiliation, user.organisation) == ("public", None)


def test_staff_cannot_change_organisation_of_sso_account(admin_client):
    user = UserFactory(affiliation="hu", organisation=Organisation.objects.get(slug="hu"))
    SocialAccount.objects.create(user=user, provider="surfconext", uid="s-2")

    response = change(admin_client, user, organisation=OrganisationFactory().pk)

    user.refresh_from_db()
    assert response.status_code == 200
    assert "the identity provider sets the organisation" in response.content.decode()
    assert user.organisation.slug == "hu"


def test_admin_maps_sso_identifier_in_lower_case_and_refuses_other_forms(admin_client):
    mbo = OrganisationFactory(slug="mbo-college-hilversum")
    url = f"/en/admin/accounts/organisation/{mbo.pk}/change/"
    form = {
        "name": mbo.name,
        "slug": mbo.slug,
        "kind": mbo.kind,
        "affiliation": mbo.affiliation,
        "sso_identifiers-TOTAL_FORMS": "1",
        "sso_identifiers-INITIAL_FORMS": "0",
        "sso_identifiers-0-organisation": mbo.pk,
    }

    refused = admin_client.post(url, form | {"sso_identifiers-0-identifier": "mbo.nl"})
    mapped = admin_client.post(url, form | {"sso_identifiers-0-identifier": " SCHAC:MBO.nl"})

    assert refused.status_code == 200
    assert "Write schac: and a home organisation" in refused.content.decode()
    assert mapped.status_code == 302
    assert list(mbo.sso_identifiers.values_list("identifier", flat=True)) == ["schac:mbo.nl"]


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


def test_admin_login_form_does_not_take_passwords(client):
    staff = UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)

    response = client.post(
        "/en/admin/login/", {"username": staff.email, "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")
    assert "_auth_user_id" not in client.session


def test_admin_sign_in_goes_through_the_rate_limited_login(client):
    staff = UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)
    for _ in range(5):
        client.post("/en/accounts/login/", {"login": staff.email, "password": "wrong"})

    to_login = client.get("/en/admin/")
    via_admin_login = client.get(to_login["Location"])
    blocked = client.post(
        via_admin_login["Location"], {"login": staff.email, "password": DEFAULT_PASSWORD}
    )

    assert via_admin_login["Location"].startswith("/en/accounts/login/?next=")
    assert "Too many failed login attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_sign_in_through_allauth_reaches_the_admin(client):
    # Control: the right password, no failures before, lands in the admin.
    staff = UserFactory(email="staff@example.org", is_staff=True, is_superuser=True)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)

    login_page = client.get(client.get("/en/admin/")["Location"])["Location"]
    response = client.post(login_page, {"login": staff.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/en/admin/"
    assert client.get("/en/admin/").status_code == 200
