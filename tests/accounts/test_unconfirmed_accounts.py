"""Anyone can sign up with someone else's address and never confirm it. Such an account
expires, gives way to the address's owner signing in with SSO (tests/oidc), and an SSO
account cannot make an unconfirmed address its main one."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from booking.services import create_booking
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "lang-genoeg-wachtwoord-42"


def sign_up(client, email):
    return client.post(
        "/en/accounts/signup/",
        {"email": email, "name": "Iemand", "password1": PASSWORD, "password2": PASSWORD},
    )


def joined_days_ago(email, days):
    User.objects.filter(email=email).update(date_joined=timezone.now() - timedelta(days=days))


def test_unconfirmed_sign_up_expires_and_the_address_is_free_again(client, settings):
    settings.UNCONFIRMED_ACCOUNT_DAYS = 7
    sign_up(client, "sanne@student.hu.nl")
    sign_up(client, "recent@example.org")
    joined_days_ago("sanne@student.hu.nl", 8)
    joined_days_ago("recent@example.org", 6)

    call_command("expire_unconfirmed_accounts")
    again = sign_up(client, "sanne@student.hu.nl")

    assert again.status_code == 302
    assert User.objects.get(email="sanne@student.hu.nl").date_joined > timezone.now() - (
        timedelta(minutes=1)
    )
    assert User.objects.filter(email="recent@example.org").exists()


def test_unconfirmed_sign_up_that_holds_something_or_is_confirmed_stays(client, settings):
    settings.UNCONFIRMED_ACCOUNT_DAYS = 7
    sign_up(client, "booked@example.org")
    sign_up(client, "confirmed@example.org")
    booker = User.objects.get(email="booked@example.org")
    # Booked for them by a facility manager, before they confirmed.
    day = next_monday()
    create_booking(
        user=booker,
        room=RoomFactory(),
        start=at(day, "10:00"),
        end=at(day, "11:00"),
        title="",
        on_behalf=True,
    )
    EmailAddress.objects.filter(email="confirmed@example.org").update(verified=True)
    joined_days_ago("booked@example.org", 30)
    joined_days_ago("confirmed@example.org", 30)

    call_command("expire_unconfirmed_accounts")

    assert set(User.objects.values_list("email", flat=True)) == {
        "booked@example.org",
        "confirmed@example.org",
    }


def test_staff_made_account_without_address_rows_never_expires(client, settings):
    UserFactory(email="made-by-staff@example.org", date_joined=timezone.now() - timedelta(days=90))

    call_command("expire_unconfirmed_accounts")

    assert User.objects.filter(email="made-by-staff@example.org").exists()


@pytest.fixture
def entra_user(db):
    # Entra sends no email_verified: the address the organisation gave is not "verified".
    user = UserFactory(email="i.jansen@hilversum.nl", affiliation="municipality")
    user.set_unusable_password()
    user.save()
    SocialAccount.objects.create(user=user, provider="entra", uid="entra-ingrid")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


def make_primary(client, email):
    return client.post("/en/accounts/email/", {"email": email, "action_primary": "1"})


def test_sso_account_cannot_make_an_unconfirmed_address_its_main_one(client, entra_user):
    client.force_login(entra_user)
    client.post("/en/accounts/email/", {"email": "someone.else@example.org", "action_add": "1"})

    response = make_primary(client, "someone.else@example.org")

    entra_user.refresh_from_db()
    assert response.status_code == 302
    assert entra_user.email == "i.jansen@hilversum.nl"
    assert EmailAddress.objects.get(email="i.jansen@hilversum.nl").primary
    assert "Confirm this address first" in client.get("/en/accounts/email/").content.decode()


def test_sso_account_can_make_a_confirmed_address_its_main_one_control(client, entra_user):
    client.force_login(entra_user)
    client.post("/en/accounts/email/", {"email": "ingrid@example.org", "action_add": "1"})
    EmailAddress.objects.filter(email="ingrid@example.org").update(verified=True)

    make_primary(client, "ingrid@example.org")

    entra_user.refresh_from_db()
    assert entra_user.email == "ingrid@example.org"
