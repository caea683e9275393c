"""hold_rooms, the schedule import's bulk booking, called as the import calls it: what it
refuses and what it grants on each limit of a clash or a closure. Written against mutmut's
survivors in booking/services/holds.py."""

from datetime import timedelta

import pytest

from booking.models import Booking, BookingMode, BookingStatus, Closure, Room
from booking.services import Hold, HoldsRefused, create_booking, hold_rooms
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def hold(room, start, end, **fields):
    return Hold(room=room, start=start, end=end, title="Talk", **fields)


def refusals(holds):
    with pytest.raises(HoldsRefused) as refused:
        hold_rooms(actor=UserFactory(), holds=holds)
    return [(index, error.code, str(error.message)) for index, error in refused.value.refusals]


def test_a_room_deleted_before_the_import_is_refused_by_index():
    day = next_monday()
    room = RoomFactory()
    gone = RoomFactory()
    Room.objects.filter(pk=gone.pk).delete()

    with pytest.raises(HoldsRefused) as refused:
        hold_rooms(
            actor=UserFactory(),
            holds=[
                hold(room, at(day, "10:00"), at(day, "11:00")),
                hold(gone, at(day, "12:00"), at(day, "13:00")),
            ],
        )

    ((index, error),) = refused.value.refusals
    assert (index, error.code, error.field, str(error.message)) == (
        1,
        "not_found",
        "room",
        "This room no longer exists.",
    )
    assert not Booking.objects.exists()


def test_a_hold_takes_a_seats_room_whole_confirmed_whatever_its_capacity():
    day = next_monday()
    seats = RoomFactory(booking_mode=BookingMode.SEATS, capacity=2)

    (held,) = hold_rooms(
        actor=UserFactory(), holds=[hold(seats, at(day, "10:00"), at(day, "11:00"), attendees=5)]
    )

    stored = Booking.objects.get()
    assert stored.pk == held.pk
    assert (stored.takes_whole_room, stored.status, stored.attendees, stored.user) == (
        True,
        BookingStatus.CONFIRMED,
        5,
        None,
    )


def test_a_closure_or_booking_touching_a_hold_only_at_its_ends_is_not_in_the_way():
    day = next_monday()
    # The buffer widens what is read, so the closures and the booking beside the hold are
    # read and must be let through by the exact comparisons.
    room = RoomFactory(buffer_minutes=15)
    later = create_booking(
        user=UserFactory(), room=room, start=at(day, "11:15"), end=at(day, "12:00"), title="x"
    )
    Closure.objects.create(room=room, start=at(day, "09:00"), end=at(day, "10:00"), reason="a")
    Closure.objects.create(room=room, start=at(day, "11:00"), end=at(day, "11:10"), reason="b")

    held = hold_rooms(actor=UserFactory(), holds=[hold(room, at(day, "10:00"), at(day, "11:00"))])

    assert len(held) == 1
    assert Booking.objects.live().count() == 2
    assert later.blocked_from == at(day, "11:00")


def test_of_two_closures_in_the_way_the_earlier_is_named():
    day = next_monday()
    room = RoomFactory(name="Studio")
    Closure.objects.create(room=room, start=at(day, "10:30"), end=at(day, "11:30"), reason="later")
    Closure.objects.create(
        room=room, start=at(day, "09:30"), end=at(day, "10:15"), reason="earlier"
    )

    ((index, code, message),) = refusals([hold(room, at(day, "10:00"), at(day, "11:00"))])

    assert (index, code) == (0, "conflict")
    assert message.startswith("Studio is closed from ")
    assert message.endswith(": earlier.")


def test_a_cancelled_booking_is_not_in_the_way():
    day = next_monday()
    room = RoomFactory()
    cancelled = create_booking(
        user=UserFactory(), room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="x"
    )
    Booking.objects.filter(pk=cancelled.pk).update(status=BookingStatus.CANCELLED)

    assert (
        len(hold_rooms(actor=UserFactory(), holds=[hold(room, at(day, "10:00"), at(day, "11:00"))]))
        == 1
    )


def test_a_closure_of_one_room_refuses_only_that_rooms_hold():
    day = next_monday()
    open_room, closed_room = RoomFactory(), RoomFactory(name="Dicht")
    Closure.objects.create(
        room=closed_room, start=at(day, "09:00"), end=at(day, "12:00"), reason="verbouwing"
    )
    slot = (at(day, "10:00"), at(day, "11:00"))

    assert [
        index
        for index, _code, _message in refusals([hold(open_room, *slot), hold(closed_room, *slot)])
    ] == [1]
    assert not Booking.objects.exists()


def test_holds_refused_in_the_middle_of_a_day_leave_the_day_as_it_was():
    day = next_monday()
    room = RoomFactory()
    taken = create_booking(
        user=UserFactory(), room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="x"
    )

    found = refusals(
        [
            hold(room, at(day, "09:00"), at(day, "10:00")),
            hold(room, taken.start + timedelta(minutes=30), taken.end + timedelta(minutes=30)),
        ]
    )

    assert [(index, code) for index, code, _message in found] == [(1, "conflict")]
    assert list(Booking.objects.values_list("pk", flat=True)) == [taken.pk]
