"""Thunderbird's parser (ical.js) reads our feeds at the instants the database holds,
across both DST changes and in the night of a change."""

from datetime import UTC, date, datetime, timedelta

import pytest

from booking.models import Booking
from events.models import Session
from tests.factories import EventFactory, SessionFactory
from tests.feeds.conftest import post_booking

pytestmark = pytest.mark.django_db


def last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - 6) % 7)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_weekly_series_across_both_changes_keeps_wall_time(client, user_api, room, icaljs):
    year = date.today().year + 1
    spring, autumn = last_sunday(year, 3), last_sunday(year, 10)
    first = spring - timedelta(days=spring.weekday() + 14 - 1)  # a Tuesday, 2 weeks before
    weeks = (autumn - first).days // 7 + 3
    room.max_days_ahead = 730
    room.save()
    post_booking(
        user_api,
        room,
        f"{first.isoformat()}T09:00",
        f"{first.isoformat()}T10:00",
        rrule=f"FREQ=WEEKLY;COUNT={weeks}",
    )

    occurrences = icaljs(client.get(f"/feeds/rooms/{room.slug}.ics").content)

    expected = {
        f"booking-{b.pk}@127.0.0.1": (b.start, b.end) for b in Booking.objects.order_by("start")
    }
    read = {o["uid"]: (utc(o["start"]), utc(o["end"])) for o in occurrences}
    hours_utc = {start.astimezone(UTC).hour for start, _end in read.values()}
    assert len(expected) == weeks
    assert read == expected
    assert hours_utc == {7, 8}  # 09:00 in summer (UTC+2) and in winter (UTC+1)


def test_sessions_in_the_nights_of_the_changes(client, icaljs):
    year = date.today().year + 1
    spring, autumn = last_sunday(year, 3), last_sunday(year, 10)
    event = EventFactory(slug="night-shoot")
    nights = [
        # 01:30 CET to 03:30 CEST: one real hour across the spring gap
        (datetime(year, 3, spring.day, 0, 30, tzinfo=UTC), timedelta(hours=1)),
        # 01:30 CEST, through both passes of 02:00-03:00, to 03:00 CET
        (datetime(year, 10, autumn.day - 1, 23, 30, tzinfo=UTC), timedelta(hours=2, minutes=30)),
        # starts in the second pass of 02:30 (CET), which local time alone cannot say
        (datetime(year, 10, autumn.day, 1, 30, tzinfo=UTC), timedelta(hours=1)),
    ]
    for start, length in nights:
        SessionFactory(event=event, start=start, end=start + length)

    occurrences = icaljs(client.get("/feeds/events/night-shoot.ics").content)

    expected = {f"session-{s.pk}@127.0.0.1": (s.start, s.end) for s in Session.objects.all()}
    assert {o["uid"]: (utc(o["start"]), utc(o["end"])) for o in occurrences} == expected


def test_status_and_sequence_read_by_icaljs(client, user_api, room, day, icaljs):
    booking = post_booking(user_api, room, f"{day}T10:00", f"{day}T11:00")
    user_api.post(f"/api/v1/bookings/{booking['id']}/cancel/")

    (occurrence,) = icaljs(client.get(f"/feeds/rooms/{room.slug}.ics").content)

    assert occurrence["status"] == "CANCELLED"
    assert occurrence["sequence"] == Booking.objects.get().sequence
