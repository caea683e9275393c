"""A reminder queued while no worker runs is sent exactly once when one starts."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.db import connection
from django.utils import timezone

from booking.models import Booking
from tests.conftest import TEST_REDIS_URL, database_url
from tests.mail.test_worker import start_worker, wait_for_files
from tests.reminders.test_reminders import make_booking

ROOT = Path(__file__).resolve().parents[2]


def environment_for(queue: str, outbox: Path) -> dict:
    return dict(
        os.environ,
        DATABASE_URL=database_url(connection.settings_dict),
        REDIS_URL=TEST_REDIS_URL,
        CELERY_QUEUE=queue,
        EMAIL_URL=f"filemail://{outbox}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )


def enqueue_reminder_run(environment: dict) -> None:
    """What `celery beat` does every five minutes: put the task on the queue."""
    script = (
        "from config.celery import app;"
        "app.send_task('booking.send_reminders', queue=app.conf.task_default_queue)"
    )
    subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, check=True, timeout=60
    )


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_reminder_queued_while_worker_down_is_sent_once_after_start(tmp_path):
    booking = make_booking(timezone.now() + timedelta(hours=3))
    outbox = tmp_path / "outbox"
    environment = environment_for(f"test-reminders-{uuid.uuid4().hex}", outbox)

    enqueue_reminder_run(environment)
    enqueue_reminder_run(environment)  # a second beat tick before any worker is back
    queued = redis.Redis.from_url(TEST_REDIS_URL).llen(environment["CELERY_QUEUE"])
    worker = start_worker(environment)
    try:
        files = wait_for_files(outbox, 1)
        time.sleep(3)  # room for a duplicate to show up
        enqueue_reminder_run(environment)
        time.sleep(3)
        files = wait_for_files(outbox, 1, seconds=0)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()

    assert queued == 2
    assert len(files) == 1, output
    assert booking.user.email in files[0].read_text()
    assert Booking.objects.get(pk=booking.pk).reminder_sent_at is not None
