"""Statements prepared once per connection (accounts.prepared): what the hot API paths run."""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.prepared import PreparedStatement
from booking.models import Booking
from tests.booking.conftest import at
from tests.booking.factories import RoomFactory
from tests.factories import UserFactory


def test_a_statement_numbers_its_parameters_in_order_of_first_use():
    statement = PreparedStatement(
        "mc_example", "SELECT %(b)s::int + %(a)s::int WHERE %(b)s::int > 0 AND 'x' LIKE '%%'"
    )

    assert statement.prepare_sql == (
        "PREPARE mc_example AS SELECT $1::int + $2::int WHERE $1::int > 0 AND 'x' LIKE '%'"
    )
    assert statement.execute_sql == "EXECUTE mc_example(%(b)s, %(a)s)"


def test_a_statement_without_parameters_is_executed_without_parentheses():
    assert PreparedStatement("mc_none", "SELECT 1").execute_sql == "EXECUTE mc_none"


def test_a_positional_placeholder_is_refused():
    with pytest.raises(ValueError, match="name every parameter"):
        PreparedStatement("mc_positional", "SELECT %s")


def prepared_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def book(api, room, day, hour: int):
    start = at(day, f"{hour:02}:00")
    body = {"room": room.slug, "start": start.isoformat(), "end": start + timedelta(hours=1)}
    return api.post("/api/v1/bookings/", body, format="json")


@pytest.mark.django_db(transaction=True)
def test_bookings_go_on_after_the_connection_is_replaced(day):
    """A new connection has no prepared statements; the first booking on it prepares them
    again, rather than executing a statement that is not there."""
    room = RoomFactory()
    api = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")

    assert book(api, room, day, 9).status_code == 201
    assert {
        "mc_token_with_user",
        "mc_room_for_booking_by_slug",
        "mc_insert_booking_under_room_lock",
    } <= prepared_names()
    connection.close()
    assert "mc_insert_booking_under_room_lock" not in prepared_names()  # a new connection
    assert book(api, room, day, 11).status_code == 201

    assert Booking.objects.filter(room=room).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_statement_prepared_in_a_rolled_back_transaction_stays_usable():
    statement = PreparedStatement("mc_test_rolled_back", "SELECT %(n)s::int + 1")
    with transaction.atomic():
        with connection.cursor() as cursor:
            statement.execute(cursor, {"n": 1})
        transaction.set_rollback(True)

    with connection.cursor() as cursor:
        statement.execute(cursor, {"n": 41})
        assert cursor.fetchone() == (42,)


@pytest.mark.django_db(transaction=True)
def test_a_refused_booking_leaves_the_statements_usable(day):
    """A refusal (the exclusion constraint, or something in the way) ends the statement's
    implicit transaction in an error; the next booking on the connection still runs."""
    room = RoomFactory()
    api = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    assert book(api, room, day, 9).status_code == 201

    assert book(api, room, day, 9).status_code == 409
    assert book(api, room, day, 13).status_code == 201

    starts = Booking.objects.filter(room=room).order_by("start").values_list("start", flat=True)
    assert list(starts) == [at(day, "09:00"), at(day, "13:00")]


@pytest.mark.django_db(transaction=True)
def test_without_prepared_statements_a_booking_sends_its_own_sql(day, settings):
    """For a pooler that shares server connections (docs/deploy.md): nothing is prepared."""
    settings.PREPARED_STATEMENTS = False
    connection.close()
    room = RoomFactory()
    api = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")

    with CaptureQueriesContext(connection) as captured:
        assert book(api, room, day, 9).status_code == 201

    assert not any(query["sql"].lstrip().startswith("EXECUTE") for query in captured)
    assert not prepared_names()
    assert Booking.objects.filter(room=room).count() == 1
