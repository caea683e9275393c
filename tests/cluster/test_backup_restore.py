"""Backup and restore as docs/deploy.md tells IT to do it: pg_dump -Fc, pg_restore, compare.

The seeded database gets the demo data (whatever seed_demo makes) plus a sample of every
kind (tests/cluster/snapshot.py); after a restore into a new database the same bookings,
registrations and calendar feeds, byte for byte, must come back.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import database_url

pytestmark = [pytest.mark.cluster]

ROOT = Path(__file__).resolve().parents[2]


def server_arguments() -> list[str]:
    database = settings.DATABASES["default"]
    return [
        *("-h", database["HOST"] or "127.0.0.1"),
        *("-p", str(database["PORT"] or 5432)),
        *("-U", database["USER"] or "postgres"),
    ]


def server_environment() -> dict:
    password = settings.DATABASES["default"]["PASSWORD"]
    return {**os.environ, **({"PGPASSWORD": password} if password else {})}


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", *server_arguments(), "-q", "-v", "ON_ERROR_STOP=1", "-c", sql, "postgres"],
        env=server_environment(),
        check=True,
        timeout=120,
    )


def app_environment(name: str, tmp_path: Path) -> dict:
    url = database_url({**settings.DATABASES["default"], "NAME": name})
    environment = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "EMAIL_URL"}}
    return {
        **environment,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": url,
        "DEBUG": "1",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
    }


def run(arguments: list[str], environment: dict) -> str:
    result = subprocess.run(
        arguments, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


@pytest.fixture
def databases():
    """Two fresh databases on the test server, dropped afterwards whatever happens."""
    suffix = uuid.uuid4().hex[:8]
    names = (f"mc_prod_backup_{suffix}", f"mc_prod_restore_{suffix}")
    for name in names:
        psql(f"CREATE DATABASE {name}")
    yield names
    for name in names:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def seed(environment: dict) -> None:
    run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], environment)
    run([sys.executable, "manage.py", "seed_demo", "--quiet-logins"], environment)
    run([sys.executable, "-m", "tests.cluster.snapshot", "sample"], environment)


def snapshot(environment: dict) -> dict:
    return json.loads(run([sys.executable, "-m", "tests.cluster.snapshot", "print"], environment))


def test_dump_restored_into_new_database_gives_same_bookings_registrations_and_feeds(
    databases, tmp_path
):
    original, restored = databases
    original_env = app_environment(original, tmp_path)
    seed(original_env)
    before = snapshot(original_env)
    dump = tmp_path / "mediacampus.dump"

    run(
        ["pg_dump", *server_arguments(), "-Fc", "--no-owner", "-f", str(dump), original],
        server_environment(),
    )
    restore = ["pg_restore", *server_arguments(), "--no-owner", "--exit-on-error"]
    run([*restore, "-d", restored, str(dump)], server_environment())
    restored_env = app_environment(restored, tmp_path)
    after = snapshot(restored_env)
    # Sequences come back with the data: a new booking must not reuse a restored id.
    new_id = int(run([sys.executable, "-m", "tests.cluster.snapshot", "book"], restored_env))

    assert len(before["bookings"]) >= 4  # three sample bookings and the event's room
    assert len(before["registrations"]) >= 3
    assert all(feed["status"] == 200 for feed in before["feeds"].values())
    assert "BEGIN:VEVENT" in before["feeds"]["/feeds/rooms/backup-check.ics"]["body"]
    assert "BEGIN:VEVENT" in before["feeds"]["/feeds/events.ics"]["body"]
    assert "BEGIN:VEVENT" in before["feeds"]["/feeds/programmes/backup-check.ics"]["body"]
    assert after["bookings"] == before["bookings"]
    assert after["registrations"] == before["registrations"]
    assert after["feeds"] == before["feeds"]
    assert new_id > max(int(row[0]) for row in before["bookings"])
