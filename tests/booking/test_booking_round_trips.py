"""What a booking costs in round trips, the write a booking rush is made of; and a request
for approval, which costs a fixed few more whatever the number of approvers.

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
from booking.models import Booking, Closure
from tests.booking.conftest import at
from tests.booking.factories import RoomFactory
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
