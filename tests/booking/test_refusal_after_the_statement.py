"""A booking the room's statement refused (booking.services.bookings._insert) is explained by
rules.check_free: what it names must be what is in the way during the span, and only that.
Service calls; written against mutmut's survivors in rules.check_free."""

import pytest

from booking.errors import BookingError
from booking.models import BookingMode, Closure
from booking.services import create_booking
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def book(room, start, end, **kwargs):
    return create_booking(user=UserFactory(), room=room, start=start, end=end, title="x", **kwargs)


def test_a_refusal_names_the_booking_in_the_way_and_nothing_before_or_after_it():
    day = next_monday()
    room = RoomFactory(name="Studio")
    book(room, at(day, "08:00"), at(day, "09:00"))
    in_the_way = book(room, at(day, "10:00"), at(day, "11:00"))
    book(room, at(day, "16:00"), at(day, "17:00"))
    Closure.objects.create(room=room, start=at(day, "07:00"), end=at(day, "07:30"), reason="a")
    Closure.objects.create(room=room, start=at(day, "14:00"), end=at(day, "15:00"), reason="b")

    with pytest.raises(BookingError) as refused:
        book(room, at(day, "10:30"), at(day, "11:30"))

    assert refused.value.conflicts == [(in_the_way.start, in_the_way.end)]
    assert str(refused.value.message).startswith("Studio is already booked from ")


def test_a_seats_room_held_whole_is_full_for_a_seat():
    day = next_monday()
    lab = RoomFactory(name="Redactielab", booking_mode=BookingMode.SEATS, capacity=4)
    book(lab, at(day, "10:00"), at(day, "11:00"), on_behalf=True)

    with pytest.raises(BookingError) as refused:
        book(lab, at(day, "10:00"), at(day, "11:00"))

    assert str(refused.value.message).startswith("Redactielab is full from ")
