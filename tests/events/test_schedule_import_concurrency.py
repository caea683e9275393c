"""Imports of one programme at the same moment, each request on its own connection: the
programme's row lock makes them one after the other, so each talk is made once."""

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from events.models import Event, Programme, ScheduleEntry
from events.services import schedule as schedule_service
from tests.events.conftest import api_for, future
from tests.events.test_schedule_import import schedule, talk
from tests.factories import ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 4


def slow_lock(*, lock: bool):
    """The programme lock, then a 0.3 s pause before the import reads what exists: every
    other request arrives in that window. `lock=False` leaves the lock out, for the control."""

    def take(programme_id):
        programmes = Programme.objects.select_for_update() if lock else Programme.objects
        programme = programmes.get(pk=programme_id)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.3)")
        return programme

    return take


def import_at_once():
    organiser = UserFactory(groups=["event_organisers"])
    ProgrammeFactory(slug="dmw-2026", owners=[organiser])
    start = future(days=12, hour=10)
    body = json.dumps(
        schedule(*(talk(f"Talk {n}", start, room=f"Zaal {n}") for n in range(3)))
    ).encode()
    barrier = threading.Barrier(WORKERS)

    def request(_index):
        try:
            data = {"file": io.BytesIO(body)}
            data["file"].name = "schedule.json"
            client = api_for(organiser)
            # Django's test client hears every thread's request exception (a process-wide
            # signal) and would re-raise another import's error from this one's request, even
            # after this one committed: take the status, and the error the client heard.
            client.raise_request_exception = False
            barrier.wait()
            response = client.post("/api/v1/programmes/dmw-2026/import/", data, format="multipart")
            if response.status_code == 500:
                return 500, str(response.exc_info[1]) if response.exc_info else ""
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(request, range(WORKERS)))


def test_simultaneous_imports_make_each_talk_once(monkeypatch):
    monkeypatch.setattr(schedule_service, "_lock_programme", slow_lock(lock=True))

    results = import_at_once()

    created = {"created": 3, "updated": 0, "cancelled": 0, "unchanged": 0}
    unchanged = {"created": 0, "updated": 0, "cancelled": 0, "unchanged": 3}
    assert sorted(results, key=lambda r: r[1]["created"]) == [(200, unchanged)] * (WORKERS - 1) + [
        (200, created)
    ]
    assert Event.objects.count() == 3


def test_control_without_the_lock_imports_race_into_errors(monkeypatch):
    """Without the lock every import finds the talks new and makes them: all but one run
    into the unique keys (slug, guid per programme) and fail instead of finding them."""
    monkeypatch.setattr(schedule_service, "_lock_programme", slow_lock(lock=False))

    results = import_at_once()

    # At most one gets through (none, when they block each other on the unique keys and
    # PostgreSQL breaks the deadlock); the others fail rather than find the talks.
    codes = sorted(code for code, _ in results)
    assert codes in ([500] * WORKERS, [200] + [500] * (WORKERS - 1))
    assert all(
        "duplicate key" in body or "deadlock" in body
        for code, body in results
        if code == 500 and body
    )
    assert ScheduleEntry.objects.count() == (3 if codes[0] == 200 else 0)
