"""The import writes new talks in bulk (booking.services.hold_rooms): its queries do not grow
with the talks, the rooms' rules hold as for one booking, and the room lock keeps a seat
booked at the same moment out of a room the schedule takes whole."""

import io
import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import selectors
from booking.models import Booking, BookingMode, Closure, Room
from booking.services import holds
from events.models import Event, Session
from tests.booking.factories import RoomFactory
from tests.events.conftest import api_for, future
from tests.events.test_schedule_import import schedule, talk, upload
from tests.factories import ProgrammeFactory, UserFactory

URL = "/api/v1/programmes/dmw-2026/import/"


@pytest.fixture
def programme(organiser):
    return ProgrammeFactory(slug="dmw-2026", owners=[organiser])


def talks_in(rooms: int, count: int, *, day: int):
    start = future(days=day, hour=8)
    return [
        talk(
            f"Talk {day}-{n}",
            start + timedelta(hours=n // rooms),
            room=f"Zaal {n % rooms}",
            persons=[{"code": f"P{n}", "name": f"Spreker {n}"}],
        )
        for n in range(count)
    ]


@pytest.mark.django_db
def test_import_queries_do_not_grow_with_the_talks(organiser, organiser_api, programme):
    rooms = {f"Zaal {n}": RoomFactory(slug=f"zaal-{n}").slug for n in range(3)}
    rooms["Zaal 3"] = ""  # an outside place
    for year in (2027, 2028):
        ProgrammeFactory(slug=f"dmw-{year}", owners=[organiser])

    def queries_for(count, day):
        document = schedule(*talks_in(4, count, day=day))
        url = URL.replace("2026", str(2016 + day))
        with CaptureQueriesContext(connection) as queries:
            response = upload(organiser_api, document, rooms=rooms, url=url)
        assert response.status_code == 200, response.content
        assert response.json()["created"] == count
        return len(queries)

    queries_for(2, day=10)  # the first request of a test reads what later ones find cached
    few = queries_for(4, day=11)
    many = queries_for(40, day=12)

    assert many == few
    assert Session.objects.filter(room__isnull=False, booking__isnull=False).count() == 2 + 3 + 30
    assert Session.objects.filter(room__isnull=True, location_text="Zaal 3").count() == 1 + 10


@pytest.mark.django_db
def test_imported_room_holds_are_like_one_session_booking(organiser, organiser_api, programme):
    RoomFactory(slug="zaal-0", capacity=30, buffer_minutes=15)
    RoomFactory(slug="zaal-1")
    rooms = {"Zaal 0": "zaal-0", "Zaal 1": "zaal-1"}

    response = upload(organiser_api, schedule(*talks_in(2, 2, day=10)), rooms=rooms)

    assert response.status_code == 200, response.content
    first = Event.objects.get(title="Talk 10-0")
    booking = first.sessions.get().booking
    assert (booking.user, booking.status, booking.takes_whole_room) == (None, "confirmed", True)
    assert (booking.title, booking.attendees, booking.public_title) == ("Talk 10-0", 30, True)
    assert booking.affiliation == organiser.affiliation
    assert booking.blocked_until == booking.end + timedelta(minutes=15)
    assert list(first.owners.all()) == [organiser]
    assert [s.name for s in first.speakers.all()] == ["Spreker 0"]


@pytest.mark.django_db
def test_import_lists_closures_with_the_clashes_and_keeps_nothing(organiser_api, programme):
    room = RoomFactory(slug="zaal-0")
    start = future(days=10, hour=8)
    Closure.objects.create(room=room, start=start, end=start + timedelta(minutes=30),
                           reason="Onderhoud")  # fmt: skip
    two = talks_in(1, 3, day=10)
    two[2]["date"] = two[1]["date"]  # the third at the time of the second: with each other
    two[2]["start"] = two[1]["start"]

    response = upload(organiser_api, schedule(*two), rooms={"Zaal 0": "zaal-0"})

    assert response.status_code == 409
    assert len(response.json()["conflicts"]) == 2
    assert Event.objects.count() == Booking.objects.count() == 0


@pytest.mark.django_db
def test_a_talk_outside_opening_hours_is_a_400_naming_it(organiser_api, programme):
    room = RoomFactory(slug="zaal-0")  # its location opens at 07:00
    early = talk("Ochtendgloren", future(days=10, hour=5), room="Zaal 0")

    response = upload(organiser_api, schedule(early), rooms={"Zaal 0": "zaal-0"})

    assert response.status_code == 400
    assert response.json()["file"] == [
        f"Ochtendgloren: {room.location.name} is not open for the whole of this time."
    ]
    assert Event.objects.count() == Booking.objects.count() == 0


# --- a seat booked while the import holds the room ---------------------------------------------


def rooms_without_lock(room_ids):
    rooms = selectors.with_week_hours(Room.objects.select_related("location"))
    found = {room.pk: room for room in rooms.filter(pk__in=room_ids)}
    for room in found.values():
        room.week_hours = selectors.week_hours(room)
    return found


def race_a_seat_against_the_import(monkeypatch, *, lock: bool):
    """The import pauses 0.3 s after reading what is in the way (holding the room lock, or
    with `lock=False` not having taken it); a seat is booked in that pause."""
    organiser = UserFactory(groups=["event_organisers"])
    ProgrammeFactory(slug="dmw-2026", owners=[organiser])
    RoomFactory(slug="zaal-0", booking_mode=BookingMode.SEATS, capacity=10)
    start = future(days=10, hour=8)
    body = json.dumps(schedule(talk("Talk", start, room="Zaal 0"))).encode()
    read = threading.Event()
    original_in_the_way = holds._in_the_way

    def slow_in_the_way(*args):
        found = original_in_the_way(*args)
        read.set()
        time.sleep(0.3)
        return found

    monkeypatch.setattr(holds, "_in_the_way", slow_in_the_way)
    if not lock:
        monkeypatch.setattr(holds, "_locked_rooms", rooms_without_lock)
    results = {}

    def import_schedule():
        try:
            data = {"file": io.BytesIO(body), "rooms": json.dumps({"Zaal 0": "zaal-0"})}
            data["file"].name = "schedule.json"
            results["import"] = api_for(organiser).post(URL, data, format="multipart").status_code
        finally:
            read.set()
            connection.close()

    def book_a_seat():
        try:
            read.wait(5)
            response = api_for(UserFactory(affiliation="hu")).post(
                "/api/v1/bookings/",
                {"room": "zaal-0", "start": (start + timedelta(minutes=15)).isoformat(),
                 "end": (start + timedelta(minutes=45)).isoformat(), "title": "Plek",
                 "attendees": 1},
                format="json",
            )  # fmt: skip
            results["seat"] = response.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=import_schedule), threading.Thread(target=book_a_seat)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    return results


@pytest.mark.django_db(transaction=True)
def test_a_seat_booked_during_the_import_waits_and_is_refused(monkeypatch):
    results = race_a_seat_against_the_import(monkeypatch, lock=True)

    assert results == {"import": 200, "seat": 409}
    assert list(Booking.objects.values_list("takes_whole_room", flat=True)) == [True]


@pytest.mark.django_db(transaction=True)
def test_control_without_the_room_lock_the_seat_and_the_whole_room_overlap(monkeypatch):
    results = race_a_seat_against_the_import(monkeypatch, lock=False)

    assert results == {"import": 200, "seat": 201}
    assert sorted(Booking.objects.values_list("takes_whole_room", flat=True)) == [False, True]
