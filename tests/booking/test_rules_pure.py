"""The booking rules that read no table, called directly on unsaved rooms and people.

The HTTP tests (test_rule_limits.py, test_rule_obstacles.py) prove the rules are applied;
these pin each rule's limits and its exact answer, including the ones the API's serializer
answers first (an end before the start, no attendee). They read no table, so they are
the first tests `make mutation` runs for a changed rule.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.roles import remember_role_groups
from booking import rules
from booking.errors import BookingError
from booking.models import BookingMode, Location, Room
from booking.timezones import LOCAL_TZ

# They read no table; the mark only keeps them first. pytest-django runs the database tests
# before those without a database, whatever order they were asked in, and `make mutation`
# asks for the fastest tests first so that a changed rule fails in milliseconds.
pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
# Refusals write a moment as every page does, the year only when it is not this one.
YEAR = "" if timezone.localdate().year == 2026 else " 2026"
DEC_7 = f"Mon 7 Dec{YEAR}"
# Monday 7 December 2026, 09:00 in Amsterdam (08:00 UTC).
NINE = datetime(2026, 12, 7, 9, 0, tzinfo=LOCAL_TZ)
# Sunday 25 October 2026: Amsterdam's clocks go back from 03:00 to 02:00.
AUTUMN_FIRST_2_30 = datetime(2026, 10, 25, 2, 30, tzinfo=LOCAL_TZ, fold=0)
AUTUMN_SECOND_2_30 = datetime(2026, 10, 25, 2, 30, tzinfo=LOCAL_TZ, fold=1)
AUTUMN_FIRST_2_45 = datetime(2026, 10, 25, 2, 45, tzinfo=LOCAL_TZ, fold=0)


def room(**fields) -> Room:
    values = {
        "name": "Studio A",
        "capacity": 8,
        "bookable_by": ["hu"],
        "organisations_allowed": [],
        "organisations_refused": [],
        "min_duration_minutes": 30,
        "max_duration_minutes": 480,
        "max_days_ahead": 90,
        "min_notice_minutes": 0,
        "buffer_minutes": 0,
        "booking_mode": BookingMode.ROOM,
    }
    return Room(location=Location(name="Media Campus"), **(values | fields))


def person(*, verified=True, affiliation="hu", organisation_id=None, roles=()) -> User:
    user = User(email_verified=verified, affiliation=affiliation, organisation_id=organisation_id)
    remember_role_groups(user, roles)
    return user


def refusal(check, *args, **kwargs) -> BookingError:
    with pytest.raises(BookingError) as caught:
        check(*args, **kwargs)
    return caught.value


def answer(error: BookingError) -> tuple:
    return (str(error), error.code, error.field)


# --- The span ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [(NINE.replace(tzinfo=None), NINE), (NINE, NINE.replace(tzinfo=None))],
    ids=["naive-start", "naive-end"],
)
def test_span_of_a_naive_time_is_a_programming_error(start, end):
    with pytest.raises(ValueError, match=r"^booking times must be aware datetimes$"):
        rules.check_span(start, end)


def test_span_that_ends_as_it_starts_is_refused_on_the_end():
    assert answer(refusal(rules.check_span, NINE, NINE)) == (
        "The end must be after the start.",
        "invalid",
        "end",
    )


def test_span_of_one_minute_passes():
    rules.check_span(NINE, NINE + MINUTE)


def test_span_compares_real_instants_in_the_repeated_autumn_hour():
    # On the wall clock 02:30 comes before 02:45; the second 02:30 is 45 minutes later.
    rules.check_span(AUTUMN_FIRST_2_30, AUTUMN_FIRST_2_45)
    with pytest.raises(BookingError):
        rules.check_span(AUTUMN_SECOND_2_30, AUTUMN_FIRST_2_45)


def test_real_duration_over_the_repeated_hour_counts_it():
    assert rules.real_duration(AUTUMN_FIRST_2_30, AUTUMN_SECOND_2_30) == timedelta(hours=1)
    assert rules.real_minutes(AUTUMN_FIRST_2_30, AUTUMN_SECOND_2_30) == 60


# --- The room ---------------------------------------------------------------------------------


def test_inactive_room_is_refused_on_the_room():
    assert answer(refusal(rules.check_room_active, room(is_active=False))) == (
        "This room cannot be booked at the moment.",
        "invalid",
        "room",
    )
    rules.check_room_active(room(is_active=True))


# --- Who may book -----------------------------------------------------------------------------


def test_unverified_address_is_refused_first():
    error = refusal(rules.check_booker, person(verified=False), room())
    assert answer(error) == (
        "Verify your email address first: follow the link in the mail we sent you.",
        "forbidden",
        None,
    )


def test_affiliation_the_room_accepts_may_book():
    rules.check_booker(person(affiliation="hu"), room(bookable_by=["municipality", "hu"]))


def test_affiliation_the_room_does_not_accept_is_refused_naming_the_room():
    error = refusal(rules.check_booker, person(affiliation="partner"), room())
    assert answer(error) == ("Studio A cannot be booked with your affiliation.", "forbidden", None)


def test_organisation_the_room_allows_may_book_whatever_its_affiliation():
    rules.check_booker(
        person(affiliation="partner", organisation_id=7), room(organisations_allowed=[7])
    )


def test_organisation_the_room_refuses_may_not_book_whatever_its_affiliation():
    booker = person(affiliation="hu", organisation_id=7)
    error = refusal(rules.check_booker, booker, room(organisations_refused=[7]))
    assert answer(error) == (
        "Studio A cannot be booked by members of your organisation.",
        "forbidden",
        None,
    )


def test_other_organisations_are_neither_allowed_nor_refused():
    booker = person(affiliation="partner", organisation_id=8)
    the_room = room(organisations_allowed=[7], organisations_refused=[9])
    error = refusal(rules.check_booker, booker, the_room)
    assert str(error) == "Studio A cannot be booked with your affiliation."
    assert not rules.room_admits(the_room, "partner", None)
    assert rules.room_admits(the_room, "hu", 8)


def test_facility_manager_books_any_room_but_not_unverified():
    manager = person(affiliation="partner", organisation_id=7, roles=["facility_managers"])
    rules.check_booker(manager, room(organisations_refused=[7]))
    unverified = person(verified=False, affiliation="hu", roles=["facility_managers"])
    assert refusal(rules.check_booker, unverified, room()).code == "forbidden"


# --- Attendees --------------------------------------------------------------------------------


def test_whole_room_takes_one_to_its_capacity():
    the_room = room(capacity=8)
    rules.check_attendees(the_room, 1, on_behalf=False)
    rules.check_attendees(the_room, 8, on_behalf=False)
    assert answer(refusal(rules.check_attendees, the_room, 0, on_behalf=False)) == (
        "At least one person must attend.",
        "invalid",
        "attendees",
    )
    assert answer(refusal(rules.check_attendees, the_room, 9, on_behalf=False)) == (
        "Studio A holds at most 8 people.",
        "invalid",
        "attendees",
    )


def test_on_behalf_a_whole_room_takes_more_than_its_capacity_but_not_nobody():
    the_room = room(capacity=8)
    rules.check_attendees(the_room, 9, on_behalf=True)
    assert str(refusal(rules.check_attendees, the_room, 0, on_behalf=True)) == (
        "At least one person must attend."
    )


def test_seats_room_books_one_seat_to_its_capacity():
    seats_room = room(capacity=6, booking_mode=BookingMode.SEATS)
    rules.check_attendees(seats_room, 1, on_behalf=False)
    rules.check_attendees(seats_room, 6, on_behalf=False)
    assert answer(refusal(rules.check_attendees, seats_room, 0, on_behalf=False)) == (
        "Book at least one seat.",
        "invalid",
        "attendees",
    )
    assert answer(refusal(rules.check_attendees, seats_room, 7, on_behalf=False)) == (
        "Studio A has 6 seats: book at most 6.",
        "invalid",
        "attendees",
    )


def test_seats_asked_on_behalf_still_keep_to_the_capacity():
    seats_room = room(capacity=6, booking_mode=BookingMode.SEATS)
    rules.check_attendees(seats_room, 7, on_behalf=True)  # on behalf, the whole room
    error = refusal(rules.check_attendees, seats_room, 7, on_behalf=True, whole_room=False)
    assert str(error) == "Studio A has 6 seats: book at most 6."
    whole = room(capacity=6, booking_mode=BookingMode.SEATS)
    assert str(refusal(rules.check_attendees, whole, 7, on_behalf=False, whole_room=True)) == (
        "Studio A holds at most 6 people."
    )


def test_only_seats_rooms_are_booked_by_the_seat():
    assert rules.takes_whole_room(room(booking_mode=BookingMode.ROOM), on_behalf=False)
    assert not rules.takes_whole_room(room(booking_mode=BookingMode.SEATS), on_behalf=False)
    assert rules.takes_whole_room(room(booking_mode=BookingMode.SEATS), on_behalf=True)


# --- Duration ---------------------------------------------------------------------------------


def test_duration_exactly_on_both_limits_passes():
    the_room = room(min_duration_minutes=30, max_duration_minutes=240)
    rules.check_duration(the_room, NINE, NINE + 30 * MINUTE)
    rules.check_duration(the_room, NINE, NINE + 240 * MINUTE)


def test_duration_one_minute_outside_either_limit_is_refused_on_the_end():
    the_room = room(min_duration_minutes=30, max_duration_minutes=240)
    assert answer(refusal(rules.check_duration, the_room, NINE, NINE + 29 * MINUTE)) == (
        "A booking of this room lasts at least 30 minutes.",
        "invalid",
        "end",
    )
    assert answer(refusal(rules.check_duration, the_room, NINE, NINE + 241 * MINUTE)) == (
        "A booking of this room lasts at most 240 minutes.",
        "invalid",
        "end",
    )


def test_duration_counts_the_repeated_autumn_hour():
    # 02:30 to the second 02:30 is one hour on no wall clock, but sixty real minutes.
    the_room = room(min_duration_minutes=60, max_duration_minutes=60)
    rules.check_duration(the_room, AUTUMN_FIRST_2_30, AUTUMN_SECOND_2_30)


# --- Notice and window ------------------------------------------------------------------------


def test_notice_exactly_met_passes_and_one_minute_short_says_how_much():
    the_room = room(min_notice_minutes=120)
    assert rules.timing_problem(the_room, NINE + 120 * MINUTE, NINE) is None
    assert rules.timing_problem(the_room, NINE + 119 * MINUTE, NINE) == (
        "Book at least 120 minutes before the start."
    )


def test_without_notice_now_passes_and_a_minute_ago_is_in_the_past():
    the_room = room(min_notice_minutes=0)
    assert rules.timing_problem(the_room, NINE, NINE) is None
    assert rules.timing_problem(the_room, NINE - MINUTE, NINE) == "The start is in the past."


def test_window_exactly_at_its_last_day_passes_and_a_minute_later_says_how_far():
    the_room = room(max_days_ahead=90)
    assert rules.timing_problem(the_room, NINE + timedelta(days=90), NINE) is None
    assert rules.timing_problem(the_room, NINE + timedelta(days=90) + MINUTE, NINE) == (
        "This room can be booked at most 90 days ahead."
    )


def test_check_timing_reads_the_clock_and_refuses_on_the_start(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NINE.astimezone(UTC))
    the_room = room(min_notice_minutes=60)
    rules.check_timing(the_room, NINE + 60 * MINUTE)
    assert answer(refusal(rules.check_timing, the_room, NINE + 59 * MINUTE)) == (
        "Book at least 60 minutes before the start.",
        "invalid",
        "start",
    )


# --- What the messages show -------------------------------------------------------------------


def test_local_label_is_amsterdam_wall_time_in_24_hours():
    assert rules.local_label(datetime(2026, 12, 7, 13, 5, tzinfo=UTC)) == f"{DEC_7} 14:05"
    assert rules.local_label(datetime(2026, 7, 7, 13, 5, tzinfo=UTC)) == f"Tue 7 Jul{YEAR} 15:05"


def test_blocked_span_widens_the_slot_by_the_buffer_in_utc():
    since, until = rules.blocked_span(room(buffer_minutes=15), NINE, NINE + 60 * MINUTE)
    assert (since, until) == (
        datetime(2026, 12, 7, 7, 45, tzinfo=UTC),
        datetime(2026, 12, 7, 9, 15, tzinfo=UTC),
    )
    assert since.tzinfo is UTC
    assert until.tzinfo is UTC


def test_blocked_span_keeps_the_repeated_hour():
    since, until = rules.blocked_span(
        room(buffer_minutes=0), AUTUMN_SECOND_2_30, AUTUMN_SECOND_2_30
    )
    assert since == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert until == since


def obstacle(start, end, reason=""):
    return rules.Obstacle(start, end, reason)


def test_clash_names_the_first_booking_and_lists_all():
    first = obstacle(NINE, NINE + 60 * MINUTE)
    second = obstacle(NINE + 90 * MINUTE, NINE + 120 * MINUTE)
    error = rules.clash_error(room(), [first, second])
    assert answer(error) == (
        f"Studio A is already booked from {DEC_7} 09:00 to {DEC_7} 10:00.",
        "conflict",
        None,
    )
    assert error.conflicts == [(first.start, first.end), (second.start, second.end)]


def test_clash_in_a_room_with_a_buffer_says_how_long_it_is():
    error = rules.clash_error(room(buffer_minutes=15), [obstacle(NINE, NINE + 60 * MINUTE)])
    assert str(error) == (
        f"Studio A is already booked from {DEC_7} 09:00 to {DEC_7} 10:00, "
        "and needs 15 minutes between bookings."
    )


def test_closure_names_the_first_closure_and_its_reason_and_lists_all():
    first = obstacle(NINE, NINE + 60 * MINUTE, "Painting")
    second = obstacle(NINE + 120 * MINUTE, NINE + 180 * MINUTE, "Cleaning")
    error = rules.closure_error(room(), [first, second])
    assert answer(error) == (
        f"Studio A is closed from {DEC_7} 09:00 to {DEC_7} 10:00: Painting.",
        "conflict",
        None,
    )
    assert error.conflicts == [(first.start, first.end), (second.start, second.end)]


def test_seats_error_of_a_full_room_and_of_one_with_seats_left():
    seats_room = room(capacity=6, booking_mode=BookingMode.SEATS)
    full = (NINE, NINE + 60 * MINUTE, 0)
    later = (NINE + 60 * MINUTE, NINE + 90 * MINUTE, 2)
    error = rules.seats_error(seats_room, [full, later], 3)
    assert answer(error) == (
        f"Studio A is full from {DEC_7} 09:00 to {DEC_7} 10:00. Choose another time.",
        "conflict",
        None,
    )
    assert error.conflicts == [(full[0], full[1]), (later[0], later[1])]
    assert str(rules.seats_error(seats_room, [later], 3)) == (
        f"Studio A has 2 of 6 seats left from {DEC_7} 10:00 to {DEC_7} 10:30, "
        "and you asked for 3. Book fewer seats or another time."
    )
