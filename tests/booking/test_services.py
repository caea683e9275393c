from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction

from booking.errors import BookingError
from booking.models import Booking, BookingStatus, Closure
from booking.services import cancel_booking, create_booking, decline_booking, move_booking
from tests.booking.conftest import at, next_clock_change
from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def book(user, room, day, start="10:00", end="11:00", **kwargs):
    return create_booking(
        user=user, room=room, start=at(day, start), end=at(day, end), title="Edit", **kwargs
    )


def test_create_booking_confirmed_and_mailed(user, room, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(user, room, day)

    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.blocked_from, booking.blocked_until) == (booking.start, booking.end)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]


def test_create_booking_pending_when_room_needs_approval(user, day):
    room = RoomFactory(requires_approval=True)

    assert book(user, room, day).status == BookingStatus.PENDING


def test_create_booking_overlap_is_conflict(user, room, day):
    book(user, room, day, "10:00", "11:00")

    with pytest.raises(BookingError) as caught:
        book(UserFactory(), room, day, "10:30", "11:30")

    assert caught.value.code == "conflict"
    assert caught.value.conflicts == [(at(day, "10:00"), at(day, "11:00"))]
    assert Booking.objects.count() == 1


def test_create_booking_inside_buffer_is_conflict(user, day):
    room = RoomFactory(buffer_minutes=15)
    book(user, room, day, "10:00", "11:00")

    with pytest.raises(BookingError) as caught:
        book(user, room, day, "11:10", "12:00")

    assert caught.value.code == "conflict"
    assert book(user, room, day, "11:15", "12:00").status == BookingStatus.CONFIRMED


def test_create_booking_adjacent_without_buffer_is_fine(user, room, day):
    book(user, room, day, "10:00", "11:00")

    assert book(user, room, day, "11:00", "12:00").pk is not None


def test_create_booking_failure_inside_callers_transaction_keeps_it_usable(user, room, day):
    book(user, room, day, "10:00", "11:00")

    with transaction.atomic():
        with pytest.raises(BookingError):
            book(user, room, day, "10:00", "11:00")
        later = book(user, room, day, "12:00", "13:00")

    assert Booking.objects.filter(pk=later.pk).exists()


def test_create_booking_on_behalf_skips_booker_rules(day):
    organiser = UserFactory(affiliation="public")
    room = RoomFactory(
        bookable_by=["hu"], requires_approval=True, capacity=2, max_duration_minutes=60
    )

    booking = book(organiser, room, day, "09:00", "13:00", attendees=40, on_behalf=True)

    assert booking.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [("05:00", "08:00", "invalid"), ("10:00", "09:00", "invalid"), ("12:00", "13:00", "conflict")],
)
def test_create_booking_on_behalf_keeps_room_rules(user, day, start, end, code):
    room = RoomFactory()
    Closure.objects.create(room=room, start=at(day, "12:00"), end=at(day, "14:00"), reason="Paint")

    with pytest.raises(BookingError) as caught:
        book(user, room, day, start, end, on_behalf=True)

    assert caught.value.code == code


def test_create_booking_on_behalf_still_refuses_overlap(user, room, day):
    book(user, room, day, "10:00", "11:00")

    with pytest.raises(BookingError) as caught:
        book(user, room, day, "10:00", "11:00", on_behalf=True)

    assert caught.value.code == "conflict"


def test_create_booking_unverified_email_forbidden(unverified_user, room, day):
    with pytest.raises(BookingError) as caught:
        book(unverified_user, room, day)

    assert caught.value.code == "forbidden"
    assert "Verify your email address" in str(caught.value.message)


def test_move_booking_raises_sequence_and_checks_overlap(user, room, day):
    first = book(user, room, day, "10:00", "11:00")
    book(user, room, day, "12:00", "13:00")

    moved = move_booking(booking=first, actor=user, start=at(day, "14:00"), end=at(day, "15:00"))
    with pytest.raises(BookingError):
        move_booking(booking=first, actor=user, start=at(day, "12:30"), end=at(day, "13:30"))

    first.refresh_from_db()
    assert moved.sequence == 1
    assert (first.start, first.sequence) == (at(day, "14:00"), 1)


def test_move_booking_into_its_own_time_is_allowed(user, room, day):
    booking = book(user, room, day, "10:00", "11:00")

    moved = move_booking(
        booking=booking, actor=user, start=at(day, "10:30"), end=at(day, "11:30"), title="New"
    )

    assert (moved.start, moved.title) == (at(day, "10:30"), "New")


def test_move_booking_of_someone_else_not_found(user, room, day):
    booking = book(user, room, day)

    with pytest.raises(BookingError) as caught:
        move_booking(
            booking=booking, actor=UserFactory(), start=at(day, "12:00"), end=at(day, "13:00")
        )

    assert caught.value.code == "not_found"


def test_cancel_booking_frees_slot_and_raises_sequence(user, room, day):
    booking = book(user, room, day)

    cancelled = cancel_booking(booking=booking, actor=user)

    assert (cancelled.status, cancelled.sequence) == (BookingStatus.CANCELLED, 1)
    assert book(UserFactory(), room, day).status == BookingStatus.CONFIRMED


def test_cancel_booking_twice_is_invalid(user, room, day):
    booking = book(user, room, day)
    cancel_booking(booking=booking, actor=user)

    with pytest.raises(BookingError) as caught:
        cancel_booking(booking=booking, actor=user)

    assert caught.value.code == "invalid"


def test_create_booking_across_dst_change_keeps_real_length(user):
    # On the spring change 02:00 CET becomes 03:00 CEST: 01:00-04:00 on the wall is two
    # real hours, so a room with a two-hour maximum accepts it.
    day = next_clock_change(spring=True)
    location = LocationFactory(hours={6: ("00:30", "23:00")})
    room = RoomFactory(location=location, max_duration_minutes=120, max_days_ahead=400)

    booking = create_booking(
        user=user, room=room, start=at(day, "01:00"), end=at(day, "04:00"), title="Night shoot"
    )

    booking.refresh_from_db()
    assert booking.end - booking.start == timedelta(hours=2)


@pytest.mark.parametrize(
    ("start", "end", "opens"), [("03:00", "04:00", False), ("03:30", "04:30", True)]
)
def test_opening_in_the_spring_gap_opens_an_hour_after_it_on_the_wall(user, start, end, opens):
    # 02:30 does not exist on the spring change: read with the winter offset it is 03:30
    # summer time (intervals.wall_time), not the 01:30 that comes before the gap.
    day = next_clock_change(spring=True)
    location = LocationFactory(name="Mediapark", hours={6: ("02:30", "23:00")})
    room = RoomFactory(location=location)

    if opens:
        create_booking(user=user, room=room, start=at(day, start), end=at(day, end), title="x")
        assert Booking.objects.get().start == at(day, start)
    else:
        with pytest.raises(BookingError) as refused:
            create_booking(user=user, room=room, start=at(day, start), end=at(day, end), title="x")
        assert (str(refused.value.message), refused.value.field) == (
            "Mediapark is not open for the whole of this time.",
            "start",
        )
        assert not Booking.objects.exists()


def test_decline_without_a_reason_stores_none(user, facility_manager, day):
    room = RoomFactory(requires_approval=True)
    booking = create_booking(
        user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="x"
    )

    decline_booking(booking=booking, actor=facility_manager)

    stored = Booking.objects.values_list("status", "decline_reason").get()
    assert stored == (BookingStatus.DECLINED, "")
