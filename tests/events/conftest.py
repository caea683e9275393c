from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import EventFactory, SessionFactory, UserFactory


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


@pytest.fixture
def organiser(db):
    return UserFactory(groups=["event_organisers"], name="Lotte Mulder")


@pytest.fixture
def organiser_api(organiser):
    return api_for(organiser)


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    client.user = organiser
    return client


@pytest.fixture
def event(db, organiser):
    """A campus event for 2 with a waitlist and one session next week, owned by `organiser`."""
    event = EventFactory(
        capacity=2, slug="podcast-workshop", title="Podcast workshop", owners=[organiser]
    )
    SessionFactory(event=event)
    return event


def future(days=7, hour=10):
    moment = timezone.localtime() + timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)
