"""Cancelling a registration on its limit, over HTTP: until the event starts, not at its
start; and what a cancellation leaves behind in the counters and the answer.

The clock is frozen where a test sits on the limit, so "exactly at the start" means that.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from events.models import Event, Registration
from events.services import registration_is_open
from tests.events.conftest import api_for, future
from tests.factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


def register(user, event):
    response = api_for(user).post(f"/api/v1/events/{event.slug}/register/")
    assert response.status_code == 201
    return response.json()["id"]


@pytest.mark.parametrize(
    ("before_start", "status"),
    [(MINUTE, 200), (timedelta(0), 400)],
    ids=["a-minute-before-the-start", "exactly-at-the-start"],
)
def test_cancel_registration_until_the_event_starts(user, monkeypatch, before_start, status):
    event = EventFactory(slug="edit-lab")
    start = future(days=3)
    SessionFactory(event=event, start=start, end=start + timedelta(hours=2))
    registration_id = register(user, event)
    now = (start - before_start).astimezone(UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)

    response = api_for(user).post(f"/api/v1/registrations/{registration_id}/cancel/")

    assert response.status_code == status
    registration = Registration.objects.get()
    if status == 400:
        assert response.json() == {
            "detail": "The event has started; a registration can no longer be cancelled."
        }
        assert (registration.status, registration.cancelled_at) == ("confirmed", None)
    else:
        assert (registration.status, registration.cancelled_at) == ("cancelled", now)


def test_cancel_of_a_waitlisted_registration_shortens_the_waitlist_by_one(event):
    for _ in range(2):
        register(UserFactory(), event)
    waitlisted = [UserFactory() for _ in range(3)]
    ids = [register(person, event) for person in waitlisted]

    response = api_for(waitlisted[0]).post(f"/api/v1/registrations/{ids[0]}/cancel/")

    assert response.status_code == 200
    event.refresh_from_db()
    assert (event.seats_taken, event.waitlist_length) == (2, 2)
    places = [
        api_for(person).get("/api/v1/registrations/").json()["results"][0]["waitlist_position"]
        for person in waitlisted[1:]
    ]
    assert places == [1, 2]


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        ("opens", 201),
        ("opens-a-minute-early", 400),
        ("closes-a-minute-early", 201),
        ("closes", 400),
    ],
)
def test_register_on_the_registration_window(user, monkeypatch, moment, status):
    opens, closes = future(days=1), future(days=2)
    event = EventFactory(slug="edit-lab", registration_opens=opens, registration_closes=closes)
    SessionFactory(event=event, start=future(days=5), end=future(days=5) + timedelta(hours=2))
    now = {
        "opens": opens,
        "opens-a-minute-early": opens - MINUTE,
        "closes-a-minute-early": closes - MINUTE,
        "closes": closes,
    }[moment].astimezone(UTC)
    monkeypatch.setattr(timezone, "now", lambda: now)

    response = api_for(user).post(f"/api/v1/events/{event.slug}/register/")

    assert response.status_code == status
    assert Registration.objects.count() == (1 if status == 201 else 0)


def test_a_freed_seat_goes_to_the_first_still_waiting_for_this_event(event):
    other = EventFactory(capacity=1, slug="other-event")
    SessionFactory(event=other)
    register(UserFactory(), other)
    waiting_elsewhere = register(UserFactory(), other)
    leaving = UserFactory()
    leaving_id = register(leaving, event)
    register(UserFactory(), event)
    gave_up = UserFactory()
    gave_up_id = register(gave_up, event)
    next_in_line = register(UserFactory(), event)
    api_for(gave_up).post(f"/api/v1/registrations/{gave_up_id}/cancel/")

    response = api_for(leaving).post(f"/api/v1/registrations/{leaving_id}/cancel/")

    assert response.status_code == 200
    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert statuses[next_in_line] == "confirmed"
    assert (statuses[gave_up_id], statuses[waiting_elsewhere]) == ("cancelled", "waitlisted")


# --- The registration window, on its limits (a pure rule: no database) -----------------------

OPENS = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=7)


@pytest.mark.parametrize(
    ("now", "is_open"),
    [
        (OPENS - MINUTE, False),
        (OPENS, True),
        (CLOSES - MINUTE, True),
        (CLOSES, False),
    ],
    ids=[
        "a-minute-before-it-opens",
        "exactly-as-it-opens",
        "a-minute-before-it-closes",
        "as-it-closes",
    ],
)
def test_registration_window_on_its_limits(now, is_open):
    event = Event(registration_opens=OPENS, registration_closes=CLOSES)

    assert registration_is_open(event, now) is is_open


def test_registration_window_without_limits_is_open_and_reads_the_clock(monkeypatch):
    assert registration_is_open(Event(), OPENS) is True
    assert registration_is_open(Event(registration_opens=OPENS), OPENS - MINUTE) is False
    assert registration_is_open(Event(registration_closes=CLOSES), CLOSES) is False
    monkeypatch.setattr(timezone, "now", lambda: CLOSES)
    assert (
        registration_is_open(Event(registration_opens=OPENS, registration_closes=CLOSES)) is False
    )
    monkeypatch.setattr(timezone, "now", lambda: OPENS)
    assert registration_is_open(Event(registration_opens=OPENS, registration_closes=CLOSES)) is True
