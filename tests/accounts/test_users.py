import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group
from django.db import IntegrityError

from accounts.models import Affiliation
from accounts.roles import is_event_organiser, is_facility_manager
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_email_is_login_and_normalised():
    user = get_user_model().objects.create_user("Anna@Example.ORG", "s3cret-pass-word", name="Anna")

    assert user.email == "anna@example.org"
    assert user.check_password("s3cret-pass-word")
    assert user.affiliation == Affiliation.PUBLIC
    assert user.language == "nl"
    assert not user.is_staff
    assert not user.is_superuser
    assert not hasattr(user, "username")


def test_create_user_with_affiliation_field():
    user = get_user_model().objects.create_user("b@hu.nl", "pw-long-enough", affiliation="hu")

    assert user.affiliation == Affiliation.HU


def test_create_superuser_has_flags():
    admin = get_user_model().objects.create_superuser("root@example.org", "pw-long-enough")

    assert admin.is_staff
    assert admin.is_superuser


def test_email_unique_regardless_of_case():
    get_user_model().objects.create_user("c@example.org", "pw")

    with pytest.raises(IntegrityError):
        get_user_model().objects.create(email="C@example.org")


def test_login_by_email_through_admin_login_form(client):
    user = UserFactory(email="docent@hu.nl")

    assert client.login(email="DOCENT@hu.nl", password=DEFAULT_PASSWORD)
    assert int(client.session["_auth_user_id"]) == user.pk


def test_role_groups_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "facility_managers",
        "event_organisers",
    }


def test_roles_follow_group_membership():
    plain = UserFactory()
    manager = UserFactory(groups=["facility_managers"])
    organiser = UserFactory(groups=["event_organisers"])
    admin = UserFactory(is_superuser=True)

    assert (is_facility_manager(plain), is_event_organiser(plain)) == (False, False)
    assert (is_facility_manager(manager), is_event_organiser(manager)) == (True, False)
    assert (is_facility_manager(organiser), is_event_organiser(organiser)) == (False, True)
    assert (is_facility_manager(admin), is_event_organiser(admin)) == (True, True)
    assert not is_facility_manager(AnonymousUser())


def test_inactive_member_has_no_role():
    manager = UserFactory(groups=["facility_managers"], is_active=False)

    assert not is_facility_manager(manager)
