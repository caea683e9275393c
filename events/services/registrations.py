"""Registrations: the one-statement claim of a seat or a waitlist place, cancellation and
promotion. Each locks the event row and moves its seat counters in the same transaction, so
the critical section is the same few statements however many people are registered (no
COUNT). The database backs it up: one live registration per person and event, unique queue
numbers per event.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import outbox
from accounts.prepared import PreparedStatement, column_names
from accounts.selectors import email_is_verified, snapshot_of
from events import emails
from events.errors import RegistrationError
from events.models import (
    Event,
    Registration,
    RegistrationStatus,
)
from events.ownership import may_manage_event

_COUNTER_FIELDS = ("id", "capacity", "waitlist", "seats_taken", "waitlist_length")


def _locked_event(event_id: int) -> Event:
    """The event row with its counters, locked until the transaction ends."""
    return Event.objects.select_for_update().only(*_COUNTER_FIELDS).get(pk=event_id)


def _save_counters(event: Event) -> None:
    # `waitlist_next` only the claim's statement moves.
    Event.objects.filter(pk=event.pk).update(
        seats_taken=event.seats_taken, waitlist_length=event.waitlist_length
    )


def event_start(event: Event) -> datetime | None:
    # Not mutated: the annotation is this same Min(start), read with the event; without it the
    # query below answers the same.
    annotated = getattr(event, "first_start", None)  # pragma: no mutate
    if annotated is not None:
        return annotated
    return event.sessions.aggregate(first=Min("start"))["first"]


def registration_is_open(event: Event, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    if event.registration_opens and now < event.registration_opens:
        return False
    return not (event.registration_closes and now >= event.registration_closes)


def _check_verified(user) -> None:
    if not email_is_verified(user):
        raise RegistrationError(
            _("Verify your email address first: follow the link in the mail we sent you."),
            code="forbidden",
        )


def _check_event_rules(*, user, event: Event) -> None:
    if not event.published:
        raise RegistrationError(_("This event is not published yet."), code="not_found")
    if user.affiliation not in event.audience:
        raise RegistrationError(_("This event is not open to your affiliation."), code="forbidden")
    if not registration_is_open(event):
        raise RegistrationError(_("Registration for this event is closed."))


def _already_registered_error() -> RegistrationError:
    return RegistrationError(_("You are already registered for this event."), code="conflict")


def _full_error() -> RegistrationError:
    return RegistrationError(_("This event is full and has no waitlist."), code="conflict")


def register_for_event(
    *, user, event: Event | None = None, slug: str | None = None
) -> Registration:
    """Confirm a seat, or a place on the waitlist when the event is full.

    Give the event or its slug (an unknown slug raises Event.DoesNotExist). The returned
    registration carries `waitlist_position` (its place in line, or None).
    """
    _check_verified(user)
    try:
        registration = _register_in_one_statement(user=user, event=event, slug=slug)
    except IntegrityError:
        live = Registration.objects.filter(user=user).exclude(status=RegistrationStatus.CANCELLED)
        live = live.filter(event=event) if event is not None else live.filter(event__slug=slug)
        if live.exists():
            raise _already_registered_error() from None
        raise
    if event is not None:
        registration.event = event
    return registration


def _register_in_one_statement(*, user, event: Event | None, slug: str | None) -> Registration:
    """The database checks the window and audience as it claims the place, so the usual
    registration is one statement. Only a refusal reads the event, to say why."""
    target = {"event": event.pk} if event is not None else {"slug": slug}
    registration = _claim_place_in_one_statement(user=user, **target)
    if registration is not None:
        return registration
    event = event or Event.objects.get(slug=slug)
    _check_event_rules(user=user, event=event)
    # The rules hold now: the window may have opened a moment ago; try once more.
    registration = _claim_place_in_one_statement(user=user, event=event.pk)
    if registration is None:
        raise _full_error()
    return registration


# Lock the event row, move its counters, insert the registration and the mail it
# is owed in one statement, so the row lock is held for one round trip and no Python runs
# while it is held. (With lock, ORM decide, insert, update and commit as separate round
# trips, threads of a gunicorn worker queued behind a lock holder that waited for the GIL:
# 54 registrations/s.) `before` reads the locked, latest row, and only if the event takes
# this person now (window, audience, a seat or a waitlist); the update writes values
# derived from it. The registration keeps the person's affiliation and organisation and the
# event's theme at this moment (accounts.selectors.snapshot_of), for reports.
_CLAIM_SQL = """
WITH before AS (
    SELECT id, {event_seats_taken}, {event_waitlist_length}, {event_waitlist_next},
           {event_seats_taken} < {event_capacity} AS has_seat
    FROM {event}
    WHERE {event_condition} = %(key)s
      AND ({event_seats_taken} < {event_capacity} OR {event_waitlist})
      AND ({event_registration_opens} IS NULL OR {event_registration_opens} <= %(now)s)
      AND ({event_registration_closes} IS NULL OR %(now)s < {event_registration_closes})
      AND {event_audience} ? %(affiliation)s::text
      AND {event_published}
    FOR UPDATE
), claimed AS (
    UPDATE {event} AS e SET
        {event_seats_taken} = b.{event_seats_taken} + CASE WHEN b.has_seat THEN 1 ELSE 0 END,
        {event_waitlist_length} = b.{event_waitlist_length}
            + CASE WHEN b.has_seat THEN 0 ELSE 1 END,
        {event_waitlist_next} = b.{event_waitlist_next} + CASE WHEN b.has_seat THEN 0 ELSE 1 END
    FROM before AS b
    WHERE e.id = b.id
    RETURNING e.id, b.has_seat, b.{event_waitlist_next} AS queue_number,
              e.{event_waitlist_length} AS waitlist_length, e.{event_theme} AS theme
), inserted AS (
    INSERT INTO {registration}
        ({registration_event}, {registration_user}, {registration_status},
         {registration_queue_number}, {registration_created_at}, {registration_updated_at},
         {registration_affiliation}, {registration_organisation}, {registration_theme})
    SELECT id, %(user)s::bigint,
           CASE WHEN has_seat THEN %(confirmed)s::text ELSE %(waitlisted)s::text END,
           CASE WHEN has_seat THEN NULL ELSE queue_number END,
           %(now)s, %(now)s,
           %(affiliation)s::text, %(organisation)s::bigint, theme
    FROM claimed
    RETURNING id, {registration_event} AS event_id, {registration_status} AS status,
              {registration_queue_number} AS queue_number,
              {registration_created_at} AS created_at, {registration_theme} AS theme
), owed_mail AS (
    INSERT INTO {mail_table}
        ({mail_kind}, {mail_payload}, {mail_language}, {mail_created_at}, {mail_attempts},
         {mail_send_after}, {mail_last_error})
    SELECT %(mail_kind_prefix)s::text || status, jsonb_build_object('registration', id),
           %(language)s::text, %(now)s, 0, %(now)s, ''
    FROM inserted
)
SELECT inserted.id, inserted.event_id, inserted.status, inserted.queue_number,
       inserted.created_at, claimed.waitlist_length, inserted.theme
FROM inserted CROSS JOIN claimed
"""
# Composed at import, outside any function (mutmut mutates only code in functions).
_CLAIM_NAMES = column_names(
    (
        Event,
        [
            "seats_taken",
            "waitlist_length",
            "waitlist_next",
            "capacity",
            "waitlist",
            "registration_opens",
            "registration_closes",
            "audience",
            "published",
            "theme",
            "slug",
        ],
    ),
    (
        Registration,
        [
            "event",
            "user",
            "status",
            "queue_number",
            "created_at",
            "updated_at",
            "affiliation",
            "organisation",
            "theme",
        ],
    ),
)
_CLAIM_BY_ID, _CLAIM_BY_SLUG = (
    PreparedStatement(
        f"mc_claim_place_by_{key}",
        _CLAIM_SQL.format(
            event=connection.ops.quote_name(Event._meta.db_table),
            registration=connection.ops.quote_name(Registration._meta.db_table),
            event_condition=condition,
            **_CLAIM_NAMES,
            **outbox.SQL_NAMES,
        ),
    )
    for key, condition in (("id", "id"), ("slug", _CLAIM_NAMES["event_slug"]))
)


def _claim_place_in_one_statement(
    *, user, event: int | None = None, slug: str | None = None
) -> Registration | None:
    snapshot = snapshot_of(user)
    params = {
        "key": event if event is not None else slug,
        "user": user.pk,
        "confirmed": RegistrationStatus.CONFIRMED,
        "waitlisted": RegistrationStatus.WAITLISTED,
        "affiliation": snapshot.affiliation,
        "organisation": snapshot.organisation_id,
        "now": timezone.now(),
        "mail_kind_prefix": emails.REGISTRATION_PREFIX,
        "language": user.language,
    }
    statement = _CLAIM_BY_ID if event is not None else _CLAIM_BY_SLUG
    # Inside a caller's transaction a savepoint keeps it usable after a unique violation;
    # otherwise the statement commits on its own (autocommit), in the same round trip.
    atomic = transaction.atomic() if not connection.get_autocommit() else nullcontext()
    with atomic, connection.cursor() as cursor:
        statement.execute(cursor, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, event_id, status, queue_number, created_at, waitlist_length, theme = row
    registration = Registration(
        pk=pk,
        event_id=event_id,
        user=user,
        status=status,
        queue_number=queue_number,
        created_at=created_at,
        updated_at=created_at,
        affiliation=snapshot.affiliation,
        organisation_id=snapshot.organisation_id,
        theme=theme,
    )
    registration.waitlist_position = (
        waitlist_length if status == RegistrationStatus.WAITLISTED else None
    )
    # Its mail row went in with it (mail kinds "confirmed" and "waitlisted" are the statuses).
    outbox.wake_sender_after_commit()
    return registration


def _promote(locked: Event) -> list[int]:
    """Confirm the first people on the waitlist while seats are free; return their ids."""
    free = locked.capacity - locked.seats_taken
    if free <= 0 or locked.waitlist_length == 0:
        return []
    promoted = list(
        Registration.objects.filter(event_id=locked.pk, status=RegistrationStatus.WAITLISTED)
        .order_by("queue_number")
        .values_list("pk", flat=True)[:free]
    )
    Registration.objects.filter(pk__in=promoted).update(
        status=RegistrationStatus.CONFIRMED, updated_at=timezone.now()
    )
    locked.seats_taken += len(promoted)
    locked.waitlist_length -= len(promoted)
    return promoted


def cancel_registration(*, registration: Registration, actor) -> Registration:
    """Cancel a registration; a freed seat goes at once to the first on the waitlist.

    The person may cancel until the event starts; whoever manages the event at any time.
    """
    manager = registration.user_id != actor.pk and may_manage_event(actor, registration.event_id)
    if registration.user_id != actor.pk and not manager:
        raise RegistrationError(_("Registration not found."), code="not_found")
    if not manager:
        start = event_start(registration.event)
        if start is not None and timezone.now() >= start:
            raise RegistrationError(
                _("The event has started; a registration can no longer be cancelled.")
            )
    with transaction.atomic():
        locked = _locked_event(registration.event_id)
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if current.status == RegistrationStatus.CANCELLED:
            raise RegistrationError(_("This registration is already cancelled."), code="conflict")
        promoted = _leave(locked, current)
        _save_counters(locked)
        emails.owe_registration_mail("cancelled", [current.pk])
        emails.owe_registration_mail("promoted", promoted)
    return current


def _leave(locked: Event, registration: Registration) -> list[int]:
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    if was_confirmed:
        locked.seats_taken -= 1
    else:
        locked.waitlist_length -= 1
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    # Not mutated: the row is locked and read in this transaction, so saving every field writes
    # the same values.
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])  # pragma: no mutate
    # Every change that frees a seat or adds one promotes, so no seat is free while people
    # wait: this promotes the one a confirmed person frees, none for a place given up on the
    # waitlist, none for a seat freed above a lowered capacity.
    return _promote(locked)
