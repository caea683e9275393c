import json
import shutil
import subprocess
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.booking.conftest import day, room  # noqa: F401  (fixtures shared with booking tests)

ICALJS = Path(__file__).parent / "icaljs"


def events_by_uid(response) -> dict:
    calendar = Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def post_booking(client, target_room, start, end, **extra):
    data = {"room": target_room.slug, "start": start, "end": end, "title": "Montage", **extra}
    response = client.post("/api/v1/bookings/", data, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def icaljs_available() -> bool:
    return shutil.which("node") is not None and (ICALJS / "node_modules" / "ical.js").exists()


def expand_with_icaljs(ics: bytes) -> list[dict]:
    """Every occurrence as Thunderbird's parser (ical.js, under node) reads the feed."""
    result = subprocess.run(
        ["node", str(ICALJS / "expand.mjs")],
        input=ics,
        capture_output=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.fixture
def icaljs():
    if not icaljs_available():
        import os

        message = "needs node and `npm ci --prefix tests/feeds/icaljs` (make test does it)"
        if os.environ.get("REQUIRE_NODE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return expand_with_icaljs
