"""What stands in a booking's way, over HTTP, on each limit: closures (of the room or of its
whole location), other bookings with the room's buffer, opening hours, capacity, an inactive
room, an unverified address. Every refusal names the obstacle in the words people read, and
changes nothing.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import Booking, Closure
from booking.timezones import LOCAL_TZ
from tests.booking.conftest import at
from tests.booking.factories import LocationFactory, RoomFactory
from tests.booking.test_rule_limits import api_for, book, rows

pytestmark = pytest.mark.django_db


def label(value) -> str:
    """A time as refusals show it, as every page does: "Tue 8 Dec 13:00" in Amsterdam time,
    the year only when it is not this year."""
    local = value.astimezone(LOCAL_TZ)
    year = "" if local.year == timezone.localdate().year else f" {local.year}"
    return f"{local:%a} {local.day} {local:%b}{year} {local:%H:%M}"


def move(client, booking_id, start, end):
    body = {"start": start.isoformat(), "end": end.isoformat()}
    return client.patch(f"/api/v1/bookings/{booking_id}/", body, format="json")


# --- Closures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "status"),
    [
        ("10:00", "12:00", 201),
        ("10:00", "12:01", 409),
        ("14:00", "15:00", 201),
        ("13:59", "15:00", 409),
    ],
    ids=[
        "ending-as-it-starts",
        "ending-a-minute-into-it",
        "starting-as-it-ends",
        "starting-a-minute-before-it-ends",
    ],
)
def test_create_booking_beside_a_room_closure(user_api, day, start, end, status):
    room = RoomFactory()
    Closure.objects.create(
        room=room, start=at(day, "12:00"), end=at(day, "14:00"), reason="Floor polish"
    )

    response = book(user_api, room, at(day, start), at(day, end))

    assert response.status_code == status
    if status == 409:
        assert response.json()["detail"] == (
            f"{room.name} is closed from {label(at(day, '12:00'))} to "
            f"{label(at(day, '14:00'))}: Floor polish."
        )
    assert Booking.objects.count() == (1 if status == 201 else 0)


def test_move_booking_into_a_closure_of_the_whole_location_is_409(user_api, day):
    room = RoomFactory()
    booking_id = book(user_api, room, at(day, "10:00"), at(day, "11:00")).json()["id"]
    next_day = day + timedelta(days=1)
    Closure.objects.create(
        location=room.location,
        start=at(next_day, "08:00"),
        end=at(next_day, "18:00"),
        reason="Open day",
    )
    before = rows()

    response = move(user_api, booking_id, at(next_day, "10:00"), at(next_day, "11:00"))

    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"{room.name} is closed from {label(at(next_day, '08:00'))} to "
        f"{label(at(next_day, '18:00'))}: Open day."
    )
    assert rows() == before


def test_series_over_a_closure_of_the_whole_location_is_409(user_api, day):
    room = RoomFactory()
    Closure.objects.create(
        location=room.location,
        start=at(day + timedelta(days=7), "00:00"),
        end=at(day + timedelta(days=8), "00:00"),
        reason="Open day",
    )

    response = user_api.post(
        "/api/v1/bookings/",
        {
            "room": room.slug,
            "start": at(day, "10:00").isoformat(),
            "end": at(day, "11:00").isoformat(),
            "title": "Weekly edit",
            "rrule": "FREQ=WEEKLY;COUNT=3",
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["conflicts"] == [
        {
            "start": at(day + timedelta(days=7), "10:00").isoformat(),
            "end": at(day + timedelta(days=7), "11:00").isoformat(),
        }
    ]
    assert Booking.objects.count() == 0


# --- Other bookings and the buffer -----------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "status"),
    [("11:15", 201), ("11:14", 409)],
    ids=["exactly-the-buffer-after", "a-minute-inside-the-buffer"],
)
def test_create_booking_on_the_buffer_after_another(user_api, day, start, status):
    room = RoomFactory(buffer_minutes=15)
    book(user_api, room, at(day, "10:00"), at(day, "11:00"))

    response = book(user_api, room, at(day, start), at(day, "12:00"))

    assert response.status_code == status
    if status == 409:
        assert response.json()["detail"] == (
            f"{room.name} is already booked from {label(at(day, '10:00'))} to "
            f"{label(at(day, '11:00'))}, and needs 15 minutes between bookings."
        )
    assert Booking.objects.count() == (2 if status == 201 else 1)


# --- Opening hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "status"),
    [
        ("07:00", "08:00", 201),
        ("06:59", "08:00", 400),
        ("22:00", "23:00", 201),
        ("22:00", "23:01", 400),
    ],
    ids=["starting-as-it-opens", "a-minute-early", "ending-as-it-closes", "a-minute-late"],
)
def test_create_booking_on_the_opening_hours(user_api, day, start, end, status):
    room = RoomFactory(location=LocationFactory(name="Studio Noord"))  # open 07:00-23:00

    response = book(user_api, room, at(day, start), at(day, end))

    assert response.status_code == status
    if status == 400:
        assert response.json() == {
            "start": ["Studio Noord is not open for the whole of this time."]
        }
    assert Booking.objects.count() == (1 if status == 201 else 0)


# --- The room and the booker -----------------------------------------------------------------


def test_create_booking_over_the_capacity_names_it(user_api, day):
    room = RoomFactory(name="Edit suite 2", capacity=4)

    response = book(user_api, room, at(day, "10:00"), at(day, "11:00"), attendees=5)

    assert response.status_code == 400
    assert response.json() == {"attendees": ["Edit suite 2 holds at most 4 people."]}
    assert Booking.objects.count() == 0


def test_create_booking_in_an_inactive_room_says_so(user_api, day):
    room = RoomFactory(is_active=False)

    response = book(user_api, room, at(day, "10:00"), at(day, "11:00"))

    assert response.status_code == 400
    assert response.json() == {"room": ["This room cannot be booked at the moment."]}
    assert Booking.objects.count() == 0


def test_create_booking_with_an_unverified_address_says_what_to_do(unverified_user, day):
    room = RoomFactory()

    response = book(api_for(unverified_user), room, at(day, "10:00"), at(day, "11:00"))

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Verify your email address first: follow the link in the mail we sent you."
    )
    assert Booking.objects.count() == 0
