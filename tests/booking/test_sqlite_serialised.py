"""On SQLite the services' IMMEDIATE transactions queue the writers, so the no-overlap rule
holds without an exclusion constraint. Real parallel processes on a file database: the
in-memory test database shares one cache between threads and fails on table locks instead
of waiting, which says nothing about production."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(
    ON_POSTGRES, reason="SQLite only; PostgreSQL has tests/booking/test_concurrency.py"
)

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 5

SETUP = """
from datetime import time
from booking.models import Location, OpeningHours, Room
from accounts.models import User
location = Location.objects.create(slug="l", name="L")
for weekday in range(7):
    OpeningHours.objects.create(location=location, weekday=weekday, opens=time(7), closes=time(23))
Room.objects.create(slug="r", name="R", location=location, kind="lab", capacity=4,
                    bookable_by=["hu"], max_days_ahead=400)
for index in range(%(workers)d):
    User.objects.create_user(f"u{index}@example.org", "x", affiliation="hu")
"""

BOOK = """
import time
from pathlib import Path
from datetime import datetime, timedelta
from django.utils import timezone
from booking.errors import BookingError
from booking.models import Room
from booking.services import create_booking
from booking.timezones import LOCAL_TZ
from accounts.models import User
user = User.objects.get(email="u%(index)d@example.org")
room = Room.objects.get(slug="r")
day = timezone.localdate() + timedelta(days=3)
start = datetime(day.year, day.month, day.day, 10, tzinfo=LOCAL_TZ)
Path(%(ready)r).touch()
while not Path(%(go)r).exists():
    time.sleep(0.001)
try:
    create_booking(user=user, room=room, start=start, end=start + timedelta(hours=1), title="")
    print("OUTCOME made")
except BookingError as error:
    print("OUTCOME", error.code)
"""


def manage(env, code, **kwargs):
    return subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def test_parallel_processes_for_one_slot_leave_one_booking_on_sqlite(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    setup = manage(env, SETUP % {"workers": WORKERS})
    assert setup.wait(timeout=120) == 0, setup.stderr.read()
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{i}" for i in range(WORKERS)]
    workers = [
        manage(env, BOOK % {"index": i, "ready": str(ready[i]), "go": str(go)})
        for i in range(WORKERS)
    ]
    # Start them together once every process has Django loaded and its objects fetched.
    deadline = time.monotonic() + 120
    while not all(path.exists() for path in ready) and time.monotonic() < deadline:
        time.sleep(0.05)
    go.touch()
    outputs = [w.communicate(timeout=180) for w in workers]

    outcomes = sorted(
        line.split()[1] for out, _err in outputs for line in out.splitlines() if "OUTCOME" in line
    )
    assert outcomes == ["conflict"] * (WORKERS - 1) + ["made"], [err for _o, err in outputs]
    count = manage(env, "from booking.models import Booking; print(Booking.objects.count())")
    assert count.communicate(timeout=120)[0].strip().splitlines()[-1] == "1"
