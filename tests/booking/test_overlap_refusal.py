"""The database's overlap refusal as a conflict (save_guarded, overlap_refusal): the path of a
write that another booking beat between its check and its statement. The race itself is in
tests/booking/test_concurrency.py; here the helpers meet the refusal without one, so that
`make mutation`, which leaves the concurrency tests out for time, reaches them too."""

import pytest
from django.db import IntegrityError, transaction

from booking import rules, selectors
from booking.errors import BookingError
from booking.models import Booking, Room
from booking.services import bookings, create_booking, create_series, move_booking, move_following
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def book(room, start, end):
    return create_booking(user=UserFactory(), room=room, start=start, end=end, title="x")


def test_a_move_the_database_refuses_names_the_other_booking_not_itself():
    day = next_monday()
    room = RoomFactory(name="Studio")
    other = book(room, at(day, "10:00"), at(day, "11:00"))
    mine = book(room, at(day, "11:00"), at(day, "12:00"))
    # Before and after the span: not in the way.
    book(room, at(day, "08:00"), at(day, "09:00"))
    book(room, at(day, "13:00"), at(day, "14:00"))
    # Moved onto the other without the rules' check, as a race would leave it.
    mine.start, mine.end = at(day, "10:30"), at(day, "11:30")
    mine.blocked_from, mine.blocked_until = rules.blocked_span(room, mine.start, mine.end)

    with transaction.atomic():
        with pytest.raises(BookingError) as refused:
            bookings.save_guarded(mine, room)
        # The savepoint keeps the caller's transaction usable.
        assert Booking.objects.count() == 4

    assert refused.value.code == "conflict"
    assert refused.value.conflicts == [(other.start, other.end)]
    assert refused.value.message == rules.clash_error(room, [other]).message
    assert Booking.objects.get(pk=mine.pk).start == at(day, "11:00")


def test_a_new_booking_the_database_refuses_names_what_is_in_the_way():
    day = next_monday()
    room = RoomFactory(name="Studio")
    other = book(room, at(day, "10:00"), at(day, "11:00"))
    late = bookings.new_booking(
        room=room, start=at(day, "10:30"), end=at(day, "11:30"), user=UserFactory(), title="y"
    )

    with pytest.raises(BookingError) as refused:
        bookings.save_guarded(late, room)

    assert (refused.value.code, refused.value.conflicts) == ("conflict", [(other.start, other.end)])
    assert Booking.objects.count() == 1


def overlap_error() -> IntegrityError:
    return IntegrityError(
        f'conflicting key value violates exclusion constraint "{bookings.OVERLAP_CONSTRAINT}"'
    )


def test_an_overlap_refusal_with_nothing_left_in_the_way_says_it_was_booked_a_moment_ago():
    day = next_monday()
    room = RoomFactory(name="Studio")
    start, end = at(day, "10:00"), at(day, "11:00")

    refusal = bookings.overlap_refusal(overlap_error(), room, start, end)

    assert (refusal.code, refusal.conflicts) == ("conflict", [(start, end)])
    assert str(refusal.message) == "Studio was booked for this time a moment ago."


def test_an_overlap_refusal_leaves_out_the_bookings_it_is_told_to():
    day = next_monday()
    room = RoomFactory(name="Studio")
    first = book(room, at(day, "10:00"), at(day, "11:00"))
    second = book(room, at(day, "11:00"), at(day, "12:00"))
    book(room, at(day, "08:00"), at(day, "09:00"))
    book(room, at(day, "13:00"), at(day, "14:00"))

    refusal = bookings.overlap_refusal(
        overlap_error(), room, at(day, "10:30"), at(day, "11:30"), (first.pk,)
    )

    assert refusal.conflicts == [(second.start, second.end)]
    assert refusal.message == rules.clash_error(room, [second]).message


def test_any_other_integrity_error_is_raised_as_it_is():
    day = next_monday()
    error = IntegrityError('null value in column "title" violates not-null constraint')

    with pytest.raises(IntegrityError) as raised:
        bookings.overlap_refusal(error, RoomFactory(), at(day, "10:00"), at(day, "11:00"))

    assert raised.value is error


def test_a_room_deleted_after_it_was_read_for_booking_says_so():
    day = next_monday()
    user = UserFactory()
    room = selectors.room_for_booking(user, pk=RoomFactory().pk)
    Room.objects.filter(pk=room.pk).delete()

    with pytest.raises(BookingError) as refused:
        create_booking(
            user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="x"
        )

    assert (refused.value.code, refused.value.field, str(refused.value.message)) == (
        "not_found",
        "room",
        "This room no longer exists.",
    )


def test_a_statement_refused_twice_with_nothing_left_in_the_way_says_it_was_booked_a_moment_ago(
    monkeypatch,
):
    day = next_monday()
    room = RoomFactory(name="Studio")
    leaving = book(room, at(day, "10:00"), at(day, "11:00"))
    tries = []

    def refused_statement(booking, mail_event, moving_with):
        # As when another booking took the time and left it again between the statement
        # and the explanation; `leaving` moves away in the same rearrangement.
        tries.append(moving_with)
        return False, True, booking.room.booking_mode

    monkeypatch.setattr(bookings, "_insert_under_room_lock", refused_statement)
    start, end = at(day, "10:00"), at(day, "11:00")

    with pytest.raises(BookingError) as refused:
        create_booking(
            user=UserFactory(),
            room=room,
            start=start,
            end=end,
            title="y",
            moving_with=(leaving.pk,),
        )

    assert tries == [(leaving.pk,), (leaving.pk,)]
    assert (refused.value.code, refused.value.conflicts) == ("conflict", [(start, end)])
    assert str(refused.value.message) == "Studio was booked for this time a moment ago."


@pytest.mark.parametrize("change", ["move", "series", "move following"])
def test_a_buffer_raised_since_the_next_booking_was_made_is_refused_by_the_database(change):
    # The next booking keeps the buffer it was made with, none: the rules look for bookings
    # over [start, end) and do not meet it, the constraint over [start, blocked_until) does.
    day = next_monday()
    room = RoomFactory(name="Studio")
    booker = UserFactory()
    mine = create_series(
        user=booker,
        room=room,
        start=at(day, "08:00"),
        end=at(day, "09:00"),
        title="x",
        rrule="FREQ=DAILY;COUNT=1",
    )[0]
    book(room, at(day, "11:00"), at(day, "12:00"))
    Room.objects.filter(pk=room.pk).update(buffer_minutes=30)
    before = list(Booking.objects.order_by("pk").values_list("pk", "start", "end", "sequence"))
    start, end = at(day, "10:00"), at(day, "11:00")

    changes = {
        "move": lambda: move_booking(booking=mine, actor=booker, start=start, end=end),
        "series": lambda: create_series(
            user=booker, room=room, start=start, end=end, title="x", rrule="FREQ=DAILY;COUNT=1"
        ),
        "move following": lambda: move_following(booking=mine, actor=booker, start=start, end=end),
    }

    with pytest.raises(BookingError) as refused:
        changes[change]()

    assert (refused.value.code, str(refused.value.message), refused.value.conflicts) == (
        "conflict",
        "Studio was booked for this time a moment ago.",
        [(start, end)],
    )
    after = list(Booking.objects.order_by("pk").values_list("pk", "start", "end", "sequence"))
    assert after == before
