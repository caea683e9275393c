"""The worker on a real queue sends mail that a web process owed, once."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.core.cache import cache
from django.db import connection

from accounts import outbox as mail_outbox
from accounts.models import OutboxMail
from tests.booking.conftest import at
from tests.conftest import TEST_REDIS_URL, database_url

ROOT = Path(__file__).resolve().parents[2]


def queue_environment(queue: str, outbox: Path) -> dict:
    return dict(
        os.environ,
        REDIS_URL=TEST_REDIS_URL,
        CELERY_QUEUE=queue,
        EMAIL_URL=f"filemail://{outbox}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )


def enqueue(environment: dict, task: str) -> None:
    """Put a task on the queue as a web process or `celery beat` configured with REDIS_URL
    would."""
    queue = environment["CELERY_QUEUE"]
    script = f"from config.celery import app; app.send_task({task!r}, queue={queue!r})"
    subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, check=True, timeout=60
    )


def start_worker(environment: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "config", "worker"),
            *("-Q", environment["CELERY_QUEUE"], "--pool", "solo"),
            *("--without-gossip", "--without-mingle", "-l", "WARNING"),
        ],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def wait_for_files(outbox: Path, count: int, seconds: float = 30) -> list[Path]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        files = sorted(outbox.glob("*.log")) if outbox.exists() else []
        if len(files) >= count:
            return files
        time.sleep(0.2)
    return sorted(outbox.glob("*.log")) if outbox.exists() else []


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_owed_mail_waits_for_worker_then_arrives_once_with_attachment(
    tmp_path, user_api, room, day
):
    outbox = tmp_path / "outbox"
    environment = dict(
        queue_environment(f"test-mail-{uuid.uuid4().hex}", outbox),
        DATABASE_URL=database_url(connection.settings_dict),
    )
    cache.add(mail_outbox.SENDER_QUEUED_FLAG, True)  # this process's wake-up is not the point
    start = at(day, "10:00")
    response = user_api.post(
        "/api/v1/bookings/",
        {
            "room": room.slug,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content

    enqueue(environment, "mail.send_outbox")
    time.sleep(1)
    delivered_before_worker = wait_for_files(outbox, 1, seconds=0)
    queued = redis.Redis.from_url(TEST_REDIS_URL).llen(environment["CELERY_QUEUE"])
    worker = start_worker(environment)
    try:
        files = wait_for_files(outbox, 1)
        time.sleep(1)
        enqueue(environment, "mail.send_outbox")  # a second sweep finds nothing left
        time.sleep(2)  # a duplicate delivery would show up in this time
        files = wait_for_files(outbox, 1, seconds=0)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()

    assert delivered_before_worker == []
    assert queued == 1
    assert len(files) == 1, output
    assert "text/calendar" in files[0].read_text()
    assert not OutboxMail.objects.exists()
