import email
import os
import subprocess
import sys
import time
import uuid
from email.mime.text import MIMEText
from pathlib import Path

import pytest
import redis
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from config.mail import message_to_payload, payload_to_message
from tests.conftest import TEST_REDIS_URL

ROOT = Path(__file__).resolve().parents[2]
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"


def confirmation() -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        "Bevestiging: Studio 1", "Je reservering staat.", to=["anna@example.org"]
    )
    message.attach_alternative("<p>Je reservering staat.</p>", "text/html")
    message.attach("invite.ics", ICS, "text/calendar")
    return message


def test_payload_round_trip_keeps_parts():
    rebuilt = payload_to_message(message_to_payload(confirmation()))

    assert rebuilt.subject == "Bevestiging: Studio 1"
    assert rebuilt.to == ["anna@example.org"]
    assert rebuilt.alternatives[0][1] == "text/html"
    assert rebuilt.attachments[0][0] == "invite.ics"
    assert rebuilt.attachments[0][1] == ICS.decode()


def test_payload_round_trip_keeps_mime_part_attachment():
    # Booking and registration mail attach their invitation as a ready MIME part.
    message = confirmation()
    part = MIMEText(ICS.decode(), "calendar", "utf-8")
    part.set_param("method", "REQUEST")
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    message.attachments = [part]

    rebuilt = payload_to_message(message_to_payload(message))
    parsed = email.message_from_bytes(rebuilt.message().as_bytes())
    parts = {p.get_content_type(): p for p in parsed.walk()}

    assert parts["text/calendar"].get_filename() == "invite.ics"
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    assert parts["text/calendar"].get_payload(decode=True) == ICS


def test_without_queue_mail_is_sent_in_process(settings):
    # No REDIS_URL: tasks run eagerly, so a first run needs no worker.
    settings.EMAIL_BACKEND = "config.mail.QueuedEmailBackend"
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    confirmation().send()

    assert [m.subject for m in mail.outbox] == ["Bevestiging: Studio 1"]


def queue_environment(queue: str, outbox: Path) -> dict:
    return dict(
        os.environ,
        REDIS_URL=TEST_REDIS_URL,
        CELERY_QUEUE=queue,
        EMAIL_URL=f"filemail://{outbox}",
        DJANGO_SETTINGS_MODULE="config.settings",
    )


def send_from_web_process(environment: dict) -> None:
    """Send the confirmation as a web process configured with REDIS_URL would."""
    script = (
        "import django; django.setup();"
        "from tests.core.test_mail_queue import confirmation;"
        "print(confirmation().send())"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "1", result.stderr


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
def test_queued_mail_waits_for_worker_then_arrives_once_with_attachment(tmp_path):
    outbox = tmp_path / "outbox"
    environment = queue_environment(f"test-mail-{uuid.uuid4().hex}", outbox)

    send_from_web_process(environment)
    time.sleep(1)
    delivered_before_worker = wait_for_files(outbox, 1, seconds=0)
    queued = redis.Redis.from_url(TEST_REDIS_URL).llen(environment["CELERY_QUEUE"])
    worker = start_worker(environment)
    try:
        files = wait_for_files(outbox, 1)
        time.sleep(2)  # a duplicate delivery would show up in this time
        files = wait_for_files(outbox, 1, seconds=0)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0].decode()

    assert delivered_before_worker == []
    assert queued == 1
    assert len(files) == 1, output
    parsed = email.message_from_bytes(files[0].read_bytes())
    parts = {part.get_content_type(): part for part in parsed.walk()}
    assert parsed["Subject"] == "Bevestiging: Studio 1"
    assert "text/html" in parts
    assert parts["text/calendar"].get_filename() == "invite.ics"
    assert b"METHOD:REQUEST" in parts["text/calendar"].get_payload(decode=True)
