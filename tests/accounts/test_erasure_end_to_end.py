"""Erasing an account over HTTP while it holds real bookings, registrations and sessions:
each app's own privacy module runs (no fakes), and each leaves what it promises."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from booking.models import Booking, BookingStatus
from events.models import Attendance, Registration, Session
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.events.conftest import future
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_erase_over_http_cancels_the_future_anonymises_the_past_and_keeps_sessions(client):
    person = UserFactory(groups=["event_organisers"], name="Sanne de Vries")
    api = api_for(person)
    room, day = RoomFactory(), next_monday()
    # A booking ahead, made through the API, and one that happened (arranged directly:
    # the API refuses the past).
    ahead = api.post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": at(day, "10:00").isoformat()}
        | {"end": at(day, "11:00").isoformat(), "title": "Sanne's thesis shoot"},
        format="json",
    ).json()["id"]
    yesterday = timezone.now() - timedelta(days=1)
    past = Booking.objects.create(
        room=room,
        user=person,
        title="Sanne's pilot",
        start=yesterday,
        end=yesterday + timedelta(hours=1),
        blocked_from=yesterday,
        blocked_until=yesterday + timedelta(hours=1),
    )
    # A seat at a full event with someone waiting, and attendance at an event that was.
    full = EventFactory(slug="full", capacity=1)
    SessionFactory(event=full)
    assert api.post("/api/v1/events/full/register/").status_code == 201
    waiting = UserFactory()
    assert api_for(waiting).post("/api/v1/events/full/register/").json()["status"] == ("waitlisted")
    was = EventFactory(slug="was", capacity=5)
    past_session = SessionFactory(event=was, start=yesterday, end=yesterday + timedelta(hours=2))
    attended = Registration.objects.create(event=was, user=person, status="confirmed")
    Attendance.objects.create(registration=attended, session=past_session, checked_in_at=yesterday)
    # As organiser, an event whose session holds a room.
    ProgrammeFactory(slug="dmw")
    start = future(days=8)
    organised = api.post(
        "/api/v1/events/",
        {
            "slug": "xr",
            "title": "XR masterclass",
            "kind": "dmw_session",
            "theme": "media_ict",
            "programme": "dmw",
            "capacity": 10,
            "sessions": [
                {
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=2)).isoformat(),
                    "room": room.slug,
                }
            ],
        },
        format="json",
    )
    assert organised.status_code == 201
    client.force_login(person)

    response = client.post("/en/my/erase/", {"confirm": "on"})

    assert (response.status_code, response["Location"]) == (302, "/en/")
    erased = User.objects.get(pk=person.pk)
    assert (erased.email, erased.name, erased.is_active) == (
        f"erased-{person.pk}@erased.invalid",
        "",
        False,
    )
    # Bookings: the future one cancelled (its slot free), the past one kept without a title.
    assert Booking.objects.get(pk=ahead).status == BookingStatus.CANCELLED
    assert Booking.objects.get(pk=past.pk).status == BookingStatus.CONFIRMED
    assert set(Booking.objects.filter(user=person).values_list("title", flat=True)) == {""}
    # Registrations: the seat went to the person waiting; none is linked to the person now,
    # and the past attendance still counts.
    assert Registration.objects.get(event=full, user=waiting).status == "confirmed"
    assert not Registration.objects.filter(user=person).exists()
    assert Registration.objects.get(pk=attended.pk).status == "confirmed"
    assert Attendance.objects.filter(session=past_session).count() == 1
    full.refresh_from_db()
    assert (full.seats_taken, full.waitlist_length) == (1, 0)
    # The event the person organised goes on: its session keeps its room.
    session = Session.objects.select_related("booking").get(event__slug="xr")
    assert (session.room, session.booking.status, session.booking.title) == (
        room,
        BookingStatus.CONFIRMED,
        "XR masterclass",
    )
