"""Every feed, filled with bookings and sessions of every kind, read by three parsers:
icalendar and vobject (validate) in Python, and ical.js under node."""

from datetime import timedelta

import pytest
import vobject
from icalendar import Calendar
from rest_framework.test import APIClient

from booking.models import Booking
from events.models import Session
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory
from tests.feeds.conftest import post_booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(room, day):
    me = UserFactory(name='Anna; Žofie "O\'Brien"')
    api = APIClient()
    api.force_authenticate(me)
    post_booking(
        api, room, f"{day}T09:00", f"{day}T10:00", title="Edit, cut; grade", public_title=True
    )
    post_booking(api, room, f"{day}T11:00", f"{day}T12:00", title="Private")
    cancelled = post_booking(api, room, f"{day}T13:00", f"{day}T14:00")
    api.post(f"/api/v1/bookings/{cancelled['id']}/cancel/")
    programme = ProgrammeFactory(slug="dmw-2026", name="Dutch Media Week 2026")
    event = EventFactory(
        slug="xr-lab-night",
        programme=programme,
        title="XR: lab night, part 1",
        description="Line one\nLine two with a long text " + "x" * 200,
        theme="media_ict",
    )
    SessionFactory(event=event)
    SessionFactory(
        event=event, start=SessionFactory._meta.model.objects.get().start + timedelta(days=1)
    )
    api.post("/api/v1/events/xr-lab-night/register/")
    return {"api": api, "room": room}


def feed_paths(world) -> list[str]:
    me = world["api"].get("/api/v1/me/").json()["feed_url"].removeprefix("http://testserver")
    return [
        f"/feeds/rooms/{world['room'].slug}.ics",
        "/feeds/events.ics",
        "/feeds/events.ics?theme=media_ict&programme=dmw-2026",
        "/feeds/programmes/dmw-2026.ics",
        "/feeds/events/xr-lab-night.ics",
        me,
    ]


def test_every_feed_parses_in_icalendar_and_validates_in_vobject(client, world):
    for path in feed_paths(world):
        response = client.get(path)
        assert response.status_code == 200, path
        calendar = Calendar.from_ical(response.content)
        parsed = vobject.readOne(response.content.decode())
        assert parsed.validate() is True, path
        assert len(calendar.walk("VEVENT")) == len(parsed.contents.get("vevent", [])), path
        assert calendar.walk("VTIMEZONE"), path


def test_every_feed_gives_icaljs_the_database_instants(client, world, icaljs):
    from datetime import datetime

    instants = {f"booking-{b.pk}@127.0.0.1": (b.start, b.end) for b in Booking.objects.all()}
    instants |= {f"session-{s.pk}@127.0.0.1": (s.start, s.end) for s in Session.objects.all()}

    for path in feed_paths(world):
        occurrences = icaljs(client.get(path).content)
        assert occurrences, path
        for occurrence in occurrences:
            read = tuple(
                datetime.fromisoformat(occurrence[key].replace("Z", "+00:00"))
                for key in ("start", "end")
            )
            assert read == instants[occurrence["uid"]], (path, occurrence)
