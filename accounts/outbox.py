"""Every mail leaves through one outbox table (OutboxMail): owe it, build it, send it.

Owing: the change that owes a mail writes a row in its own transaction (`owe`), so a
committed change always gets its mail and a rolled-back one never does. After commit the
request wakes the sender (`transaction.on_commit(..., robust=True)`): at most one queued
task at a time, marked by a flag in the shared cache, and a task queue that is down never
turns a saved change into an error. A process that saw the flag up a moment ago
(WAKE_MEMORY_SECONDS) does not ask the cache again: the sender waits as long after lowering
the flag before it looks a last time, so what such a process owed is still sent, and a
rush costs the cache a few writes a second per process instead of one per change. A periodic
sweep (CELERY_BEAT_SCHEDULE) sends what a lost wake-up or a failed try left behind. Without
REDIS_URL the task runs eagerly, so the same pipeline delivers in-process after commit.

Building: each app registers a builder per kind (`register`, from its AppConfig.ready). A
builder gets all rows of its kinds in a batch and loads what they need with a fixed number
of queries; it returns a message per row (None when there is nothing left to send, e.g.
the booking was erased). This module knows nothing of the apps' models.

Sending: batches are leased with SKIP LOCKED and sent over one connection. A failed mail
waits 1, 10, then 60 minutes between tries; after MAX_ATTEMPTS tries it is kept, marked
failed, for the admin. Sent rows are deleted.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import OutboxMail
from accounts.privacy import ERASED_EMAIL_DOMAIN

logger = logging.getLogger(__name__)

Builder = Callable[[list[OutboxMail]], dict[int, EmailMessage | None]]

SENDER_QUEUED_FLAG = "mail:outbox:sender-queued"
# Long enough to cover a sender that is busy with a rush; a lost flag only delays mail
# until it expires or the sweep runs.
SENDER_QUEUED_SECONDS = 60
# The wait after the 1st, 2nd and 3rd failed try; later tries wait as long as the last.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1))
# Five tries span about two hours and a quarter (1 + 10 + 60 + 60 minutes): longer than a
# mail relay's usual outage, short enough that a mail about a booking is still worth sending.
MAX_ATTEMPTS = 5
BATCH_SIZE = 100
# Removing each sent mail's row on its own cost a fifth of the sender's time.
FORGET_EVERY = 10
# Longer than any batch takes to send; a sender that dies leaves its batch to others after it.
LEASE = timedelta(minutes=10)
# How long a process trusts that the flag it saw up still means a sender will look again.
WAKE_MEMORY_SECONDS = 0.5

# When this process last found the flag up or raised it (time.monotonic()).
_flag_seen_up_at = -math.inf

_builders: dict[str, Builder] = {}


def register(kinds: Iterable[str], builder: Builder) -> None:
    """Let `builder` turn rows of these kinds into messages (call from AppConfig.ready)."""
    for kind in kinds:
        if _builders.get(kind, builder) is not builder:
            raise ValueError(f"mail kind {kind!r} already has a builder")
        _builders[kind] = builder


# For the changes that owe their mail inside one SQL statement (the registration claim, a
# booking under its room lock): the outbox's table and column names, from the model.
SQL_NAMES = {
    "mail_table": OutboxMail._meta.db_table,
    **{
        f"mail_{name}": OutboxMail._meta.get_field(name).column
        for name in (
            "kind",
            "payload",
            "language",
            "created_at",
            "attempts",
            "send_after",
            "last_error",
        )
    },
}


def owe(kind: str, payloads: Iterable[tuple[dict, str]]) -> None:
    """Owe one mail of `kind` per (payload, language); call inside the change's transaction."""
    # Due at once: `created_at` and `send_after` default to now.
    rows = [
        OutboxMail(kind=kind, payload=payload, language=language) for payload, language in payloads
    ]
    if rows:
        OutboxMail.objects.bulk_create(rows)
        wake_sender_after_commit()


def wake_sender_after_commit() -> None:
    # Robust: the change has committed and its mail is owed in the table; a queue that is
    # down must not turn the answer into an error (the sweep sends the mail later).
    transaction.on_commit(wake_sender, robust=True)


def wake_sender() -> None:
    global _flag_seen_up_at
    from accounts.tasks import send_outbox

    # Run eagerly, the sender is this very call: there is no one to leave the mail to.
    remembers = not settings.CELERY_TASK_ALWAYS_EAGER
    # Taken before asking: the flag was up no earlier than this, so the sender lowers it
    # after, and looks a last time WAKE_MEMORY_SECONDS after that.
    asked_at = time.monotonic()
    if remembers and asked_at - _flag_seen_up_at < WAKE_MEMORY_SECONDS:
        return
    if cache.add(
        SENDER_QUEUED_FLAG,
        # Not mutated: only whether the flag is up is ever asked, never its value.
        True,  # pragma: no mutate
        timeout=SENDER_QUEUED_SECONDS,
    ):
        try:
            send_outbox.delay()
        except Exception:
            # Nothing is queued, so the next change must try again rather than wait for
            # the flag to lapse.
            cache.delete(SENDER_QUEUED_FLAG)
            raise
    if remembers:
        _flag_seen_up_at = asked_at


def send_pending_mail() -> int:
    """Send every mail that is due; return how many went out."""
    # Opened by the first batch, so a sweep that finds nothing due connects to nothing.
    connection = get_connection()
    try:
        try:
            sent = _send_due(connection)
        finally:
            # From here on a new change queues a new task; one that committed while the flag
            # was still up did not, nor one whose process saw it up a moment ago, so look
            # once more after lowering it, once such a memory has lapsed.
            cache.delete(SENDER_QUEUED_FLAG)
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            time.sleep(WAKE_MEMORY_SECONDS)
        return sent + _send_due(connection)
    finally:
        connection.close()


def _send_due(connection) -> int:
    sent = 0
    while batch := _claim_batch():
        sent += _send_batch(batch, connection)
    return sent


def _claim_batch() -> list[OutboxMail]:
    """Lease up to BATCH_SIZE due mails to this sender.

    Moving `send_after` past the lease is the claim, committed at once: other senders skip
    these rows without waiting, and if this sender dies they fall due again when the lease
    ends. The rows of sent mail go every FORGET_EVERY mails, so a crash resends at most
    that many.
    """
    now = timezone.now()
    with transaction.atomic():
        batch = list(
            OutboxMail.objects.select_for_update(skip_locked=True)
            .filter(send_after__lte=now)
            .order_by("id")[:BATCH_SIZE]
        )
        OutboxMail.objects.filter(id__in=[row.pk for row in batch]).update(
            send_after=now + LEASE, attempts=F("attempts") + 1
        )
    for row in batch:
        row.attempts += 1
    return batch


def build_messages(batch: list[OutboxMail]) -> dict[int, EmailMessage | None]:
    """Each row's message, built by its kind's builder: one call per builder and batch.

    A builder that fails postpones its own rows (they are left out); the others go on."""
    by_builder: dict[Builder, list[OutboxMail]] = defaultdict(list)
    messages: dict[int, EmailMessage | None] = {}
    for row in batch:
        builder = _builders.get(row.kind)
        if builder is None:
            messages[row.pk] = None
            logger.error("no builder for mail kind", extra={"kind": row.kind, "mail_id": row.pk})
        else:
            by_builder[builder].append(row)
    for builder, rows in by_builder.items():
        try:
            messages.update(builder(rows))
        except Exception as error:
            logger.exception("building mail failed", extra={"mail_ids": [r.pk for r in rows]})
            for row in rows:
                _postpone(row, error)
    return messages


def _send_batch(batch: list[OutboxMail], connection) -> int:
    messages = build_messages(batch)
    batch = [row for row in batch if row.pk in messages]
    if not batch:
        return 0
    try:
        connection.open()  # a no-op when the batch before opened it
    except Exception as error:
        logger.exception("mail connection failed", extra={"mail_ids": [r.pk for r in batch]})
        for row in batch:
            _postpone(row, error)
        return 0
    sent = 0
    done: list[int] = []
    for row in batch:
        message = messages.get(row.pk)
        if message is not None and _erased(message):
            message = None  # the person was erased after the change that owed this mail
        if message is not None:
            try:
                message.connection = connection
                message.send()
            except Exception as error:
                logger.exception("mail failed", extra={"kind": row.kind, "mail_id": row.pk})
                _postpone(row, error)
                _reconnect(connection)
                continue
            sent += 1
        done.append(row.pk)
        if len(done) == FORGET_EVERY:
            _forget(done)
            done = []
    _forget(done)
    return sent


def _erased(message: EmailMessage) -> bool:
    return all(address.endswith(f"@{ERASED_EMAIL_DOMAIN}") for address in message.recipients())


def _forget(done_ids: list[int]) -> None:
    if done_ids:
        OutboxMail.objects.filter(pk__in=done_ids).delete()


def _reconnect(connection) -> None:
    # A failed send may leave an SMTP session half-closed; start the next one afresh.
    try:
        connection.close()
        connection.open()
    except OSError:
        logger.warning("mail connection could not be reopened; each mail opens its own")


def retry_delay(attempts: int) -> timedelta | None:
    """How long a mail waits after its `attempts`-th failed try; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]


def _postpone(row: OutboxMail, error: Exception) -> None:
    # `attempts` already counts this try (the lease raised it).
    delay = retry_delay(row.attempts)
    now = timezone.now()
    last_error = f"{type(error).__name__}: {error}"[:500]
    if delay is None:
        OutboxMail.objects.filter(pk=row.pk).update(
            send_after=None, failed_at=now, last_error=last_error
        )
    else:
        OutboxMail.objects.filter(pk=row.pk).update(send_after=now + delay, last_error=last_error)


def in_language(*languages: str):
    """Build a message in the first of `languages` that is set (the one it was owed in, then
    the recipient's), else in the site's default."""
    return translation.override(next(filter(None, languages), settings.LANGUAGE_CODE))


def templated_message(
    template: str, context: dict, *, subject: str, to: str
) -> EmailMultiAlternatives:
    """Plain text from `<template>.txt` with `<template>.html` as its HTML alternative;
    build it inside `in_language`, so both speak the recipient's language."""
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"{template}.txt", context), to=[to]
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
