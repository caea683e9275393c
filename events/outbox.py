"""Registration mail goes out through an outbox table (PendingRegistrationMail).

The change and the row that owes its mail commit together, so a registration never loses
its mail when the task queue is briefly unreachable, and a rolled-back one never sends any.
After commit the request wakes the sender: at most one queued task at a time, marked by a
flag in the shared cache, so a rush of registrations costs one cache write each instead of
a task message each. A periodic sweep (CELERY_BEAT_SCHEDULE) catches anything left over,
such as a mail whose first try failed.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from config.mail import delivery_connection
from events.models import PendingRegistrationMail

logger = logging.getLogger(__name__)

SENDER_QUEUED_FLAG = "events:outbox:sender-queued"
# Long enough to cover a sender that is busy with a rush; a lost flag only delays mail
# until it expires or the sweep runs.
SENDER_QUEUED_SECONDS = 60
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1))


def queue_mail(kind: str, registration_ids: list[int]) -> None:
    """Owe these registrations a mail of this kind; call inside the change's transaction."""
    if not registration_ids:
        return
    now = timezone.now()
    PendingRegistrationMail.objects.bulk_create(
        PendingRegistrationMail(registration_id=pk, kind=kind, created_at=now, send_after=now)
        for pk in registration_ids
    )
    wake_sender_after_commit()


def wake_sender_after_commit() -> None:
    # Robust: the change has committed and its mail is owed in the table; a queue that is
    # down must not turn the answer into an error (the sweep sends the mail later).
    transaction.on_commit(wake_sender, robust=True)


def wake_sender() -> None:
    from events.tasks import send_pending_registration_mail

    if cache.add(SENDER_QUEUED_FLAG, True, timeout=SENDER_QUEUED_SECONDS):
        send_pending_registration_mail.delay()


def send_pending_mail() -> int:
    """Send every mail that is due; return how many went out."""
    with delivery_connection() as connection:
        try:
            sent = _send_due(connection)
        finally:
            # From here on a new change queues a new task; one that committed while the flag
            # was still up did not, so look once more after lowering it.
            cache.delete(SENDER_QUEUED_FLAG)
        return sent + _send_due(connection)


def _send_due(connection) -> int:
    sent = 0
    while (outcome := _send_next(connection)) is not None:
        sent += outcome
    return sent


def _send_next(connection) -> int | None:
    """Send the oldest due mail no other sender holds: 1 if sent, 0 if it failed, None if
    nothing is due. One mail per transaction, so a failure never resends the ones before."""
    from events.emails import send_registration_mail

    with transaction.atomic():
        pending = (
            PendingRegistrationMail.objects.select_for_update(skip_locked=True)
            .filter(send_after__lte=timezone.now())
            .order_by("id")
            .first()
        )
        if pending is None:
            return None
        try:
            with transaction.atomic():
                send_registration_mail(
                    pending.registration_id, kind=pending.kind, connection=connection
                )
        except Exception:
            logger.exception(
                "registration mail failed",
                extra={"registration_id": pending.registration_id, "kind": pending.kind},
            )
            _postpone(pending)
            _reconnect(connection)
            return 0
        pending.delete()
    return 1


def _reconnect(connection) -> None:
    # A failed send may leave an SMTP session half-closed; start the next one afresh.
    try:
        connection.close()
        connection.open()
    except OSError:
        logger.warning("mail connection could not be reopened; each mail opens its own")


def _postpone(pending: PendingRegistrationMail) -> None:
    delay = RETRY_DELAYS[min(pending.attempts, len(RETRY_DELAYS) - 1)]
    pending.attempts += 1
    pending.send_after = timezone.now() + delay
    pending.save(update_fields=["attempts", "send_after"])
