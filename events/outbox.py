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
from collections import defaultdict
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.mail import delivery_connection
from events.models import PendingRegistrationMail, Registration, Session
from events.selectors import set_waitlist_positions

logger = logging.getLogger(__name__)

SENDER_QUEUED_FLAG = "events:outbox:sender-queued"
# Long enough to cover a sender that is busy with a rush; a lost flag only delays mail
# until it expires or the sweep runs.
SENDER_QUEUED_SECONDS = 60
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1))
BATCH_SIZE = 100
# Removing each sent mail's row on its own cost a fifth of the sender's time.
FORGET_EVERY = 10
# Longer than any batch takes to send; a sender that dies leaves its batch to others after it.
LEASE = timedelta(minutes=10)


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
    while batch := _claim_batch():
        sent += _send_batch(batch, connection)
    return sent


def _claim_batch() -> list[PendingRegistrationMail]:
    """Lease up to BATCH_SIZE due mails to this sender.

    Moving `send_after` past the lease is the claim, committed at once: other senders skip
    these rows without waiting, and if this sender dies they fall due again when the lease
    ends. The rows of sent mail go every FORGET_EVERY mails, so a crash resends at most
    that many.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            PendingRegistrationMail.objects.select_for_update(skip_locked=True)
            .filter(send_after__lte=now)
            .order_by("id")
            .values_list("id", flat=True)[:BATCH_SIZE]
        )
        PendingRegistrationMail.objects.filter(id__in=ids).update(
            send_after=now + LEASE, attempts=F("attempts") + 1
        )
    batch = list(
        PendingRegistrationMail.objects.filter(id__in=ids)
        .select_related("registration__event", "registration__user")
        .order_by("id")
    )
    set_waitlist_positions([pending.registration for pending in batch])
    return batch


def _send_batch(batch: list[PendingRegistrationMail], connection) -> int:
    from events.emails import send_registration_mail

    sessions = _sessions_by_event([pending.registration for pending in batch])
    sent = 0
    unforgotten: list[int] = []
    for pending in batch:
        registration = pending.registration
        try:
            send_registration_mail(
                registration,
                kind=pending.kind,
                connection=connection,
                sessions=sessions[registration.event_id],
            )
        except Exception:
            logger.exception(
                "registration mail failed",
                extra={"registration_id": registration.pk, "kind": pending.kind},
            )
            _postpone(pending)
            _reconnect(connection)
            continue
        sent += 1
        unforgotten.append(pending.pk)
        if len(unforgotten) == FORGET_EVERY:
            _forget(unforgotten)
            unforgotten = []
    _forget(unforgotten)
    return sent


def _forget(sent_ids: list[int]) -> None:
    if sent_ids:
        PendingRegistrationMail.objects.filter(pk__in=sent_ids).delete()


def _sessions_by_event(registrations: list[Registration]) -> dict[int, list[Session]]:
    by_event: dict[int, list[Session]] = defaultdict(list)
    event_ids = {registration.event_id for registration in registrations}
    for session in Session.objects.filter(event_id__in=event_ids).select_related("room__location"):
        by_event[session.event_id].append(session)
    return by_event


def _reconnect(connection) -> None:
    # A failed send may leave an SMTP session half-closed; start the next one afresh.
    try:
        connection.close()
        connection.open()
    except OSError:
        logger.warning("mail connection could not be reopened; each mail opens its own")


def _postpone(pending: PendingRegistrationMail) -> None:
    # `attempts` already counts this try (the lease raised it).
    delay = RETRY_DELAYS[min(pending.attempts, len(RETRY_DELAYS)) - 1]
    PendingRegistrationMail.objects.filter(pk=pending.pk).update(send_after=timezone.now() + delay)
