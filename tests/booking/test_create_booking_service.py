"""create_booking called as the app's other callers call it (events holding rooms, the demo
seed, staff on behalf), for what the API never asks: its defaults, seats held on behalf, and
the mail a booking on behalf does not owe."""

from datetime import timedelta

import pytest

from accounts.models import OutboxMail
from booking.errors import BookingError
from booking.models import Booking, BookingMode
from booking.services import create_booking
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def book(room, **kwargs) -> Booking:
    day = next_monday()
    values = {"start": at(day, "10:00"), "end": at(day, "11:00"), "title": "Shoot"}
    return create_booking(**({"user": UserFactory(), "room": room} | values | kwargs))


def test_a_booking_for_one_with_a_private_title_unless_asked():
    booking = book(RoomFactory())

    assert (booking.attendees, booking.public_title) == (1, False)
    stored = Booking.objects.get()
    assert (stored.attendees, stored.public_title) == (1, False)


def test_seats_held_on_behalf_stay_seats_and_keep_to_the_capacity():
    seats_room = RoomFactory(booking_mode=BookingMode.SEATS, capacity=6)

    held = book(seats_room, attendees=2, on_behalf=True, whole_room=False)
    with pytest.raises(BookingError) as refused:
        book(seats_room, attendees=7, on_behalf=True, whole_room=False)

    assert Booking.objects.get().takes_whole_room is False
    assert held.seats == 2
    assert str(refused.value.message) == f"{seats_room.name} has 6 seats: book at most 6."


def test_a_booking_on_behalf_owes_its_booker_no_mail_and_ones_own_booking_does():
    book(RoomFactory(), on_behalf=True)
    assert not OutboxMail.objects.exists()

    book(RoomFactory())
    assert list(OutboxMail.objects.values_list("kind", flat=True)) == ["booking.created"]


def test_the_booking_returned_is_as_stored_with_the_bookers_organisation():
    person = UserFactory(organisation=OrganisationFactory())

    booking = book(RoomFactory(), user=person)

    stored = Booking.objects.get()
    assert booking.organisation_id == stored.organisation_id
    assert abs(booking.updated_at - stored.updated_at) < timedelta(seconds=1)
    assert stored.organisation_id == person.organisation_id
    # Returned as saved: saving it again updates the row rather than inserting another.
    booking.title = "Shoot again"
    booking.save()
    assert list(Booking.objects.values_list("title", flat=True)) == ["Shoot again"]
