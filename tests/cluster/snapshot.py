"""Run as a script against DATABASE_URL: add sample data, or print what a restore must keep.

    python -m tests.cluster.snapshot sample     # a room, bookings, an event and registrations
    python -m tests.cluster.snapshot print      # JSON: bookings, registrations, feed bodies
    python -m tests.cluster.snapshot book       # one more sample booking; prints its id

The backup test runs it against the original and the restored database and compares.
"""

import json
import sys
from datetime import datetime, time, timedelta

import django

SAMPLE = "backup-check"


def add_sample() -> None:
    """Data of every kind a backup must keep, beside whatever seed_demo made."""
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import User
    from booking import services as booking_services
    from booking.services.facilities import save_location, save_room
    from booking.timezones import LOCAL_TZ
    from events import services as event_services
    from events.models import Programme

    def person(number: int) -> User:
        return User.objects.create_user(
            f"{SAMPLE}-{number}@example.org", "a-long-password-1", affiliation="hu"
        )

    organiser = person(0)
    organiser.groups.add(Group.objects.get(name="event_organisers"))
    location = save_location(
        slug=SAMPLE,
        name="Backup check location",
        opening_hours=[{"weekday": day, "opens": time(7), "closes": time(23)} for day in range(7)],
    )
    room = save_room(
        slug=SAMPLE, name="Backup check room", location=location, kind="lab", capacity=10,
        bookable_by=["hu"], max_days_ahead=365,
    )  # fmt: skip
    day = timezone.localdate() + timedelta(days=14)

    def at(hour: int) -> datetime:
        return datetime.combine(day, time(hour), LOCAL_TZ)

    people = [person(n) for n in range(1, 4)]
    for hour, booker in zip((9, 11, 13), people, strict=True):
        booking_services.create_booking(
            user=booker, room=room, start=at(hour), end=at(hour + 1), title=f"Check {hour}",
            public_title=hour == 9,
        )  # fmt: skip
    programme = Programme.objects.create(slug=SAMPLE, name="Backup check programme")
    event = event_services.create_event(
        actor=organiser, slug=SAMPLE, title="Backup check event", programme=programme,
        kind="campus_event", theme="media_campus", capacity=2, waitlist=True,
        sessions=[event_services.SessionSpec(at(15), at(17), room)],
    )  # fmt: skip
    for registrant in people:
        event_services.register_for_event(user=registrant, event=event)


def book_once_more() -> int:
    from accounts.models import User
    from booking.models import Booking
    from booking.services import create_booking

    last = Booking.objects.filter(room__slug=SAMPLE).order_by("end").last()
    booking = create_booking(
        user=User.objects.get(email=f"{SAMPLE}-1@example.org"),
        room=last.room,
        start=last.end + timedelta(hours=1),
        end=last.end + timedelta(hours=2),
        title="After the restore",
    )
    return booking.pk


def feed_paths() -> list[str]:
    from booking.models import Room
    from events.models import Programme

    rooms = Room.objects.order_by("slug").values_list("slug", flat=True)
    programmes = Programme.objects.order_by("slug").values_list("slug", flat=True)
    return [
        *(f"/feeds/rooms/{slug}.ics" for slug in rooms),
        "/feeds/events.ics",
        *(f"/feeds/programmes/{slug}.ics" for slug in programmes),
    ]


def snapshot() -> dict:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from booking.models import Booking
    from events.models import Registration

    setup_test_environment()  # lets the test client's host in
    bookings = Booking.objects.order_by("pk").values_list(
        "pk", "room__slug", "user__email", "title", "start", "end", "status", "sequence"
    )
    registrations = Registration.objects.order_by("pk").values_list(
        "pk", "event__slug", "user__email", "status", "queue_number"
    )
    client = Client()
    feeds = {}
    for path in feed_paths():
        response = client.get(path)
        feeds[path] = {"status": response.status_code, "body": response.content.decode()}
    return {
        "bookings": [[str(value) for value in row] for row in bookings],
        "registrations": [[str(value) for value in row] for row in registrations],
        "feeds": feeds,
    }


if __name__ == "__main__":
    django.setup()
    command = sys.argv[1]
    if command == "sample":
        add_sample()
    elif command == "book":
        print(book_once_more())
    else:
        print(json.dumps(snapshot()))
