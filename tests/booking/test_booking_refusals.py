"""What move, cancel and decide answer when they refuse, in words, and what a move on behalf
leaves of an approved booking. Service calls, as the API, the pages and the events' sessions
make them. Written against mutmut's survivors in booking/services/bookings.py."""

import pytest

from booking.errors import BookingError
from booking.models import BookingStatus
from booking.services import approve_booking, cancel_booking, create_booking, move_booking
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def refusal(call, **kwargs) -> tuple:
    with pytest.raises(BookingError) as refused:
        call(**kwargs)
    return refused.value.code, str(refused.value.message)


@pytest.fixture
def studio(db):
    return RoomFactory(name="Studio")


def booked(room, user=None, **kwargs):
    day = next_monday()
    return create_booking(
        user=user or UserFactory(), room=room, start=at(day, "10:00"), end=at(day, "11:00"),
        title="Shoot", **kwargs,
    )  # fmt: skip


def test_a_cancelled_booking_cannot_be_moved(studio):
    booking = booked(studio)
    cancel_booking(booking=booking, actor=booking.user)
    day = next_monday()

    assert refusal(
        move_booking,
        booking=booking,
        actor=booking.user,
        start=at(day, "12:00"),
        end=at(day, "13:00"),
    ) == ("invalid", "Only a pending or confirmed booking can be moved.")


def test_someone_else_is_told_there_is_no_such_booking_and_a_manager_what_they_may_do(studio):
    booking = booked(studio)
    manager = UserFactory()
    studio.managers.add(manager)

    assert refusal(cancel_booking, booking=booking, actor=UserFactory()) == (
        "not_found",
        "There is no such booking.",
    )
    assert refusal(cancel_booking, booking=booking, actor=manager) == (
        "forbidden",
        "Only the booker changes or cancels a booking; as a manager of this room you can "
        "approve or decline it.",
    )


def test_only_the_rooms_managers_decide(studio):
    booking = booked(RoomFactory(name="Aula", requires_approval=True))

    assert refusal(approve_booking, booking=booking, actor=UserFactory()) == (
        "forbidden",
        "Only the managers of Aula approve or decline its bookings.",
    )


def test_a_move_on_behalf_keeps_an_approved_booking_approved():
    aula = RoomFactory(requires_approval=True)
    held = booked(aula, on_behalf=True)
    day = next_monday()

    moved = move_booking(
        booking=held, actor=UserFactory(), start=at(day, "12:00"), end=at(day, "13:00"),
        on_behalf=True,
    )  # fmt: skip

    assert (held.status, moved.status) == (BookingStatus.CONFIRMED, BookingStatus.CONFIRMED)
