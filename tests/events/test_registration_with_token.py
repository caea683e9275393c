"""Registering with a real API token, as scripts and apps do: the token query loads the user
with its email flag, and the registration reads the flag rather than asking again."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import outbox
from accounts.models import OutboxMail
from events.models import Registration
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def register_with_token(user, slug="podcast-workshop"):
    token = Token.objects.create(user=user).key
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    return client.post(f"/api/v1/events/{slug}/register/", HTTP_AUTHORIZATION=f"Token {token}")


def test_staff_made_account_without_address_row_counts_as_verified(event):
    response = register_with_token(UserFactory())

    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"


def test_unverified_signup_is_forbidden(event):
    person = UserFactory(email="new@example.org", email_verified=False)
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)

    response = register_with_token(person)

    assert response.status_code == 403
    assert "Verify your email address" in response.json()["detail"]
    assert not Registration.objects.exists()


def test_deactivated_account_token_is_401(event):
    person = UserFactory(is_active=False)

    response = register_with_token(person)

    assert response.status_code == 401
    assert not Registration.objects.exists()


def test_unknown_token_is_401(event):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    response = client.post(
        "/api/v1/events/podcast-workshop/register/", HTTP_AUTHORIZATION="Token 'or'1'='1"
    )

    assert response.status_code == 401


def test_unknown_event_is_404(event):
    assert register_with_token(UserFactory(), slug="no-such-event").status_code == 404


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: no savepoints
def test_registering_costs_two_queries_on_postgresql(event, django_assert_num_queries):
    person = UserFactory(language="en")
    token = Token.objects.create(user=person).key
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    # As in a rush: a sender is already on its way, so the request only leaves its mail row.
    cache.add(outbox.SENDER_QUEUED_FLAG, True)

    # The token with its user (and so the email flag); the claim with its mail row.
    with django_assert_num_queries(2):
        response = client.post(
            "/api/v1/events/podcast-workshop/register/", HTTP_AUTHORIZATION=f"Token {token}"
        )

    assert response.status_code == 201
    assert OutboxMail.objects.get().kind == "registration.confirmed"
    assert outbox.send_pending_mail() == 1
    assert [m.subject for m in mail.outbox] == ["You are registered for Podcast workshop"]
