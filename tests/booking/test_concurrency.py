"""Concurrent bookings on PostgreSQL, each thread on its own database connection."""

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from psycopg.errors import DeadlockDetected
from rest_framework.test import APIClient

from booking import rules
from booking.errors import BookingError
from booking.models import Booking
from booking.services import OVERLAP_CONSTRAINT, create_booking
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.conftest import constraint_dropped, pause_booking_statement
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 20


def run_parallel(task, count=WORKERS):
    """Start `count` threads at once; each closes its own connection when done."""
    barrier = threading.Barrier(count)

    def wrapped(index):
        try:
            barrier.wait()
            return task(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(wrapped, range(count)))


def test_twenty_requests_for_one_slot_leave_one_booking():
    room = RoomFactory()
    users = [UserFactory() for _ in range(WORKERS)]
    day = next_monday()

    def request(index):
        client = APIClient()
        client.force_authenticate(users[index])
        response = client.post(
            "/api/v1/bookings/",
            {"room": room.slug, "start": f"{day}T10:00", "end": f"{day}T11:00"},
            format="json",
        )
        return response.status_code

    codes = run_parallel(request)

    assert sorted(codes) == [201] + [409] * (WORKERS - 1)
    assert Booking.objects.live().filter(room=room).count() == 1


def test_twenty_overlapping_requests_leave_no_overlap():
    room = RoomFactory(buffer_minutes=10)
    users = [UserFactory() for _ in range(WORKERS)]
    day = next_monday()

    def book(index):
        start = at(day, "09:00") + timedelta(minutes=17 * index)
        try:
            create_booking(
                user=users[index],
                room=room,
                start=start,
                end=start + timedelta(minutes=50),
                title=str(index),
            )
        except BookingError as error:
            return error.code
        return "made"

    outcomes = run_parallel(book)
    made = [outcome == "made" for outcome in outcomes]

    live = list(Booking.objects.live().filter(room=room).order_by("start"))
    assert set(outcomes) == {"made", "conflict"}
    assert len(live) == sum(made) >= 2
    assert all(
        later.start >= earlier.end + timedelta(minutes=10)
        for earlier, later in itertools.pairwise(live)
    )


def test_control_check_then_insert_races_and_the_constraint_stops_it():
    """Without the room lock every writer passes the overlap check; only the database's
    exclusion constraint keeps the second booking out."""
    room = RoomFactory()
    users = [UserFactory() for _ in range(WORKERS)]
    day = next_monday()
    start, end = at(day, "10:00"), at(day, "11:00")
    checked = threading.Barrier(WORKERS)

    def naive_book(index):
        with transaction.atomic():
            clear = not rules.clashing_bookings(room, start, end)
            checked.wait()  # everyone has looked before anyone writes
            if not clear:
                return "clash seen"
            try:
                with transaction.atomic():
                    Booking.objects.create(
                        room=room,
                        user=users[index],
                        start=start,
                        end=end,
                        blocked_from=start,
                        blocked_until=end,
                    )
            except IntegrityError as error:
                if "booking_booking_no_overlap" in str(error):
                    return "refused by constraint"
                raise
            except OperationalError as error:
                # Writers waiting on each other's uncommitted rows under an exclusion
                # constraint can deadlock (PostgreSQL documents it); the one it aborts is
                # refused by the constraint all the same: its row never commits.
                if isinstance(error.__cause__, DeadlockDetected):
                    return "refused by constraint"
                raise
            return "inserted"

    outcomes = run_parallel(naive_book)

    assert outcomes.count("clash seen") == 0  # the race: every check passed
    assert outcomes.count("inserted") == 1
    assert outcomes.count("refused by constraint") == WORKERS - 1
    assert Booking.objects.filter(room=room).count() == 1


# The design relies on the room lock (STYLE.md: lock once, late, on the room, right before
# the availability check), so that a loser is told which booking it lost to; the exclusion
# constraint is the last guard. With the constraint dropped, the lock alone must hold; the
# control shows what it holds back.


@pytest.fixture
def without_overlap_constraint(transactional_db):
    with constraint_dropped(
        Booking, OVERLAP_CONSTRAINT, cleanup=lambda: Booking.objects.all().delete()
    ):
        yield


def _rush_for_one_slot(room, day):
    users = [UserFactory() for _ in range(WORKERS)]

    def request(index):
        client = APIClient()
        client.force_authenticate(users[index])
        return client.post(
            "/api/v1/bookings/",
            {"room": room.slug, "start": f"{day}T10:00", "end": f"{day}T11:00"},
            format="json",
        )

    return run_parallel(request)


def test_room_lock_alone_keeps_a_rush_to_one_booking(without_overlap_constraint, monkeypatch):
    pause_booking_statement(monkeypatch, lock=True)
    room = RoomFactory()
    day = next_monday()

    responses = _rush_for_one_slot(room, day)

    assert sorted(r.status_code for r in responses) == [201] + [409] * (WORKERS - 1)
    assert Booking.objects.filter(room=room).count() == 1
    # Each loser waited for the lock, then saw the winner and is told which booking it is.
    slot = {"start": at(day, "10:00").isoformat(), "end": at(day, "11:00").isoformat()}
    refusals = [r.json() for r in responses if r.status_code == 409]
    assert all(body["conflicts"] == [slot] for body in refusals)
    assert all("already booked" in body["detail"] for body in refusals)


def test_control_without_room_lock_or_constraint_a_rush_double_books(
    without_overlap_constraint, monkeypatch
):
    pause_booking_statement(monkeypatch, lock=False)
    room = RoomFactory()

    responses = _rush_for_one_slot(room, next_monday())

    assert [r.status_code for r in responses] == [201] * WORKERS
    assert Booking.objects.filter(room=room).count() == WORKERS
