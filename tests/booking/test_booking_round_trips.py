"""What a booking costs in round trips, the write a booking rush is made of; and a request
for approval, which costs a fixed few more whatever the number of approvers. Then what a
booking, a request, a series and a move cost inside a caller's transaction.

Apart from the pages' query counts (tests/booking/test_query_counts.py), so that `make
mutation` runs these two: they notice a savepoint or a query too many in the booking's path.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import OutboxMail
from accounts.tasks import send_outbox
from booking.errors import BookingError
from booking.models import Booking, Closure
from booking.services import create_booking, create_series, move_booking
from tests.booking.conftest import at
from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def prepared_statement(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)  # autocommit, as in production: BEGIN and COMMIT count
def test_booking_through_api_costs_three_round_trips(day, monkeypatch):
    room = RoomFactory(buffer_minutes=15)
    Closure.objects.create(location=room.location, start=at(day, "07:00"), end=at(day, "08:00"))
    token = Token.objects.create(user=UserFactory()).key
    api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    handed_to_queue = []
    # As with Redis: after commit the sender is woken through the task queue, which costs
    # this request no query.
    monkeypatch.setattr(send_outbox, "delay", lambda *args: handed_to_queue.append(args))
    start = at(day, "10:00")
    body = {"room": room.slug, "start": start.isoformat(), "end": at(day, "11:00").isoformat()}

    with CaptureQueriesContext(connection) as captured:
        response = api.post("/api/v1/bookings/", body, format="json")

    # 1. the API token with its user (DRF's TokenAuthentication)
    # 2. the room by its slug, with its location, opening hours and the booker's role groups
    #    (whether a facility manager books, who may book any room)
    # 3. two statements sent as one (a transaction of their own): the room lock, then
    #    closures and bookings in the way, the INSERT of the booking and of its mail, a
    #    statement prepared on the connection (accounts.prepared)
    assert len(captured) == 3, [query["sql"] for query in captured]
    lock, execute = captured[2]["sql"].split(";", 1)
    assert "FOR UPDATE" in lock
    assert execute.strip().startswith("EXECUTE mc_insert_booking_under_room_lock(")
    insert = prepared_statement("mc_insert_booking_under_room_lock")
    assert insert.count("INSERT INTO") == 2
    assert OutboxMail._meta.db_table in insert
    assert Booking._meta.db_table in insert
    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"
    booking = Booking.objects.get()
    assert (booking.start, booking.blocked_from) == (start, start - timedelta(minutes=15))
    assert OutboxMail.objects.get().payload == {"booking": booking.pk, "status": "confirmed"}
    assert len(handed_to_queue) == 1


def test_a_request_for_approval_costs_the_same_whatever_the_number_of_managers(day, monkeypatch):
    """A request in a room that needs approval also owes each approver a mail, in the same
    transaction; rarer than a booking, it may cost a few round trips more, but a fixed few."""
    monkeypatch.setattr(send_outbox, "delay", lambda *args: None)
    costs = []
    for managers in (1, 6):
        room = RoomFactory(requires_approval=True)
        room.managers.set(UserFactory.create_batch(managers))
        token = Token.objects.create(user=UserFactory()).key
        api = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
        body = {
            "room": room.slug,
            "start": at(day, "10:00").isoformat(),
            "end": at(day, "11:00").isoformat(),
        }
        with CaptureQueriesContext(connection) as captured:
            response = api.post("/api/v1/bookings/", body, format="json")
        assert response.status_code == 201
        assert response.json()["status"] == "pending"
        costs.append(len(captured))
        kinds = OutboxMail.objects.filter(payload__booking=response.json()["id"])
        assert kinds.filter(kind="booking.needs_approval").count() == managers
    assert costs[0] == costs[1], costs


# The writes below run inside the test's transaction, as inside a caller's: each of their
# own atomic blocks is a SAVEPOINT and a RELEASE.


def test_a_booking_in_a_transaction_costs_the_room_read_and_the_statement(
    django_assert_num_queries, day
):
    room, booker = RoomFactory(), UserFactory()

    # The room read for booking; the statement in a savepoint of its own (a refusal leaves
    # the caller's transaction usable), and no other.
    with django_assert_num_queries(4):
        create_booking(
            user=booker, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="x"
        )


def test_a_request_for_approval_knows_from_the_room_read_that_its_booker_manages_not(
    django_assert_num_queries, day
):
    room = RoomFactory(requires_approval=True)
    manager = UserFactory()
    room.managers.add(manager)
    booker = UserFactory()

    # The room read, with whether its booker manages it; then one savepoint around the
    # statement's and the approvers' mail: whether there are approvers, who they are,
    # the mail.
    with django_assert_num_queries(9):
        booking = create_booking(
            user=booker, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="x"
        )

    assert booking.status == "pending"
    assert OutboxMail.objects.filter(kind="booking.needs_approval").get().payload == {
        "booking": booking.pk,
        "again": False,
        "occurrences": 1,
        "manager": manager.pk,
    }


def test_a_series_without_a_fair_use_limit_locks_no_person(django_assert_num_queries, day):
    room, booker = RoomFactory(), UserFactory()

    # Roles, limits, the room lock; closures and bookings in the way of each of the two
    # occurrences; the series; each booking in a savepoint; the mail.
    with django_assert_num_queries(17):
        create_series(
            user=booker,
            room=room,
            start=at(day, "10:00"),
            end=at(day, "11:00"),
            title="x",
            rrule="FREQ=DAILY;COUNT=2",
        )


def test_a_move_without_a_fair_use_limit_locks_no_person(django_assert_num_queries, day):
    booker = UserFactory()
    booking = create_booking(
        user=booker, room=RoomFactory(), start=at(day, "10:00"), end=at(day, "11:00"), title="x"
    )

    # The room lock, the booking's, its booker; closures and bookings in the way; the
    # update in a savepoint; the mail.
    with django_assert_num_queries(11):
        move_booking(booking=booking, actor=booker, start=at(day, "12:00"), end=at(day, "13:00"))


def test_a_move_outside_opening_hours_names_the_location_read_with_the_room_lock(
    django_assert_num_queries, day
):
    booker = UserFactory()
    location = LocationFactory(name="Mediapark")
    booking = create_booking(
        user=booker,
        room=RoomFactory(location=location),
        start=at(day, "10:00"),
        end=at(day, "11:00"),
        title="x",
    )

    # The room lock (with its location), the booking's, its booker; then the rollback.
    with django_assert_num_queries(6), pytest.raises(BookingError) as refused:
        move_booking(booking=booking, actor=booker, start=at(day, "22:30"), end=at(day, "23:30"))

    assert str(refused.value.message) == "Mediapark is not open for the whole of this time."
