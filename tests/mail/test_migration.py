"""Mail still owed in the old registration outbox when the upgrade runs moves to the one
outbox, with its tries and next try, and goes out."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts import outbox
from accounts.models import OutboxMail

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("accounts", "0003_user_feed_nonce"), ("events", "0005_pending_registration_mail")]


def migrate(targets=None):
    """Migrate to `targets`, or (None) to the newest state, where later tests expect it."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_upgrade_moves_owed_registration_mail_to_the_outbox():
    old = migrate(BEFORE)
    user = old.get_model("accounts", "User").objects.create(
        email="waiting@example.org", language="en"
    )
    programme = old.get_model("events", "Programme").objects.create(slug="p", name="P")
    event = old.get_model("events", "Event").objects.create(
        slug="podcast", title="Podcast", programme=programme, capacity=1
    )
    registration = old.get_model("events", "Registration").objects.create(
        event=event, user=user, status="waitlisted", queue_number=1
    )
    later = timezone.now() + timedelta(minutes=10)
    old.get_model("events", "PendingRegistrationMail").objects.create(
        registration=registration, kind="waitlisted", attempts=2, send_after=later
    )

    migrate()

    moved = OutboxMail.objects.get()
    assert (moved.kind, moved.payload, moved.language, moved.attempts) == (
        "registration.waitlisted",
        {"registration": registration.pk},
        "en",
        2,
    )
    assert moved.send_after == later
    OutboxMail.objects.update(send_after=timezone.now())
    assert outbox.send_pending_mail() == 1
    assert [m.subject for m in mail.outbox] == ["You are on the waitlist for Podcast"]
