"""Whether an address is verified is stored on the user: set by allauth's confirmation and by
SSO, cleared when the person switches to an unverified address, and backfilled once from the
address rows by migration 0004 with the rule that used to run on every request."""

import importlib

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.apps import apps

from accounts.models import Organisation, User
from accounts.services import apply_sso_identity
from accounts.sso import SsoIdentity
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("accounts.migrations.0006_user_email_verified")


def run_backfill() -> set[str]:
    """Every user set verified, then the migration's step; returns the unverified emails."""
    User.objects.update(email_verified=True)
    backfill.store_email_verified(apps, None)
    return set(User.objects.filter(email_verified=False).values_list("email", flat=True))


def test_backfill_keeps_account_without_address_row_verified():
    UserFactory(email="staff-made@example.org")

    assert run_backfill() == set()


def test_backfill_unverifies_pending_signup():
    person = UserFactory(email="new@example.org")
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)

    assert run_backfill() == {"new@example.org"}


def test_backfill_matches_verified_address_whatever_its_case():
    person = UserFactory(email="anouk.visser@example.org")
    EmailAddress.objects.create(
        user=person, email="Anouk.Visser@EXAMPLE.org", verified=True, primary=True
    )

    assert run_backfill() == set()


def test_backfill_reads_wildcard_characters_literally():
    # A verified row for a look-alike address must not verify this one (no LIKE wildcards).
    person = UserFactory(email="a_b@example.org")
    EmailAddress.objects.create(user=person, email="axb@example.org", verified=True)
    EmailAddress.objects.create(user=person, email="a_b@example.org", verified=False)

    assert run_backfill() == {"a_b@example.org"}


def test_backfill_keeps_sso_account_verified_whatever_its_address_row_says():
    person = UserFactory(email="sso@example.org")
    SocialAccount.objects.create(user=person, provider="entra", uid="oid-1")
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)

    assert run_backfill() == set()


def signed_in_with_addresses(client, *, primary_verified: bool):
    person = UserFactory(email="partner@example.org", email_verified=primary_verified)
    EmailAddress.objects.create(
        user=person, email=person.email, verified=primary_verified, primary=True
    )
    EmailAddress.objects.create(user=person, email="second@example.org", verified=False)
    client.force_login(person)
    return person


def test_switching_to_unverified_address_clears_flag(client):
    # allauth lets a person whose only addresses are unverified pick either as primary.
    person = signed_in_with_addresses(client, primary_verified=False)
    person.email_verified = True  # as staff might have set it by hand
    person.save()

    response = client.post(
        "/en/accounts/email/", {"action_primary": "", "email": "second@example.org"}
    )

    person.refresh_from_db()
    assert response.status_code == 302
    assert person.email == "second@example.org"
    assert person.email_verified is False


def test_sso_account_cannot_switch_to_unverified_address_and_keeps_flag(client):
    person = signed_in_with_addresses(client, primary_verified=False)
    SocialAccount.objects.create(user=person, provider="entra", uid="oid-2")
    person.email_verified = True
    person.save()
    before = person.email

    client.post("/en/accounts/email/", {"action_primary": "", "email": "second@example.org"})

    # An SSO account may not make an unconfirmed address its primary one (issue 13, item 6).
    person.refresh_from_db()
    assert person.email == before != "second@example.org"
    assert person.email_verified is True


def test_confirming_other_address_leaves_flag_alone(admin_client):
    person = UserFactory(email="partner@example.org", email_verified=False)
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)
    other = EmailAddress.objects.create(user=person, email="second@example.org", verified=False)

    admin_client.post(
        "/en/admin/account/emailaddress/",
        {"action": "make_verified", "_selected_action": [other.pk]},
    )

    person.refresh_from_db()
    other.refresh_from_db()
    assert other.verified is True
    assert person.email_verified is False


def test_confirming_sign_in_address_in_admin_sets_flag(admin_client):
    person = UserFactory(email="partner@example.org", email_verified=False)
    address = EmailAddress.objects.create(
        user=person, email="Partner@example.org", verified=False, primary=True
    )

    admin_client.post(
        "/en/admin/account/emailaddress/",
        {"action": "make_verified", "_selected_action": [address.pk]},
    )

    person.refresh_from_db()
    assert person.email_verified is True


def test_sso_login_sets_flag_on_account_with_unverified_row():
    # An address row left unverified (a sign-up that never confirmed) before the person
    # signed in through SSO: the identity provider vouches for them now.
    person = UserFactory(email="student@example.org", email_verified=False)
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)

    apply_sso_identity(
        user=person,
        identity=SsoIdentity(
            affiliation="hu",
            organisation_id=Organisation.objects.get(slug="hu").pk,
            sso_affiliations=[],
            roles={},
        ),
    )

    person.refresh_from_db()
    assert person.email_verified is True
