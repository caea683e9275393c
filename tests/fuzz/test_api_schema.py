"""Fuzz the served OpenAPI schema: no input may make the API answer 5xx.

Schemathesis reads `/api/schema/` from Django's own WSGI app (in-process, on the test
database) and sends every operation generated requests, valid and invalid (its examples and
fuzzing phases), as a facility manager and as a student, each with an API token. The budget
is per operation (`MAX_EXAMPLES`) and the seed is fixed, so CI runs the same ~1,100 requests
in under a minute per role on two cores. Search wider locally with FUZZ_MAX_EXAMPLES,
FUZZ_SEED and FUZZ_COVERAGE=1 (the coverage phase: ~8,000 boundary-value requests a role).
"""

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from booking.models import Booking, Closure
from booking.services import create_booking
from events.models import Registration
from events.services import register_for_event
from tests.booking.conftest import at, next_monday
from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import EventFactory, SessionFactory, UserFactory

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "15"))
COVERAGE = os.environ.get("FUZZ_COVERAGE") == "1"
SEED = int(os.environ.get("FUZZ_SEED", "20271031"))

SLUG = "studio"
ID = 777_001
ROLES = {
    "facility_manager": {"groups": ["facility_managers", "event_organisers"]},
    "student": {"affiliation": "hu"},
}


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Requests go through the real WSGI handler, whose end closes a connection that is in
    a transaction: the test's own. Django's test client unhooks the same two receivers."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def next_id_is(model, value: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [model._meta.db_table, value - 1]
        )


@pytest.fixture(params=list(ROLES))
def fuzz_user(request, db):
    """A person of the role, owning booking, closure and registration ID among others' data;
    location, room and event are all SLUG, so generated paths often reach a real object."""
    user = UserFactory(**ROLES[request.param])
    other = UserFactory()
    room = RoomFactory(slug=SLUG, location=LocationFactory(slug=SLUG))
    day = next_monday()
    create_booking(user=other, room=room, start=at(day, "12:00"), end=at(day, "13:00"), title="")
    next_id_is(Booking, ID)
    create_booking(user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="")
    next_id_is(Closure, ID)
    Closure.objects.create(room=room, start=at(day, "18:00"), end=at(day, "20:00"), reason="Lak")
    event = EventFactory(slug=SLUG, capacity=1)
    start = timezone.now() + timedelta(days=7)
    SessionFactory(event=event, start=start, end=start + timedelta(hours=2))
    register_for_event(user=other, slug=SLUG)
    next_id_is(Registration, ID)
    register_for_event(user=user, slug=SLUG)
    return user


@pytest.fixture
def auth_headers(fuzz_user):
    token = Token.objects.create(user=fuzz_user)
    return {"Authorization": f"Token {token.key}", "Accept-Language": "en"}


# Loaded at collection, from the app itself: the schema view reads no database. (The lazy
# `schemathesis.pytest.from_fixture` would load it inside a test, but it relies on a pytest
# internal that pytest 9.2 removed.)
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    get_wsgi_application(),
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            # Most generated ids and slugs name nothing (a quick 404); these name real objects.
            "dictionaries": {"slugs": {"values": [SLUG]}, "ids": {"values": [ID]}},
            "parameters": {
                "path.slug": {"dictionary": "slugs", "probability": 0.7},
                "path.id": {"dictionary": "ids", "probability": 0.7},
            },
            "phases": {"coverage": {"enabled": COVERAGE}},
            "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "database": "none"},
        }
    ),
)


@schema.parametrize()
# The person and their data are made once per operation and role, and the generated
# requests then change them as they go, as a real client would.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_api_answers_no_server_error(case, auth_headers):
    case.call_and_validate(headers=auth_headers, checks=[not_a_server_error])
