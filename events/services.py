"""Every write to events: programmes, events, sessions, registrations and attendance.

Registrations and cancellations lock the event row and change its seat counters in the same
transaction, so the critical section is the same few statements however many people are
registered (no COUNT). A registration is one statement (lock, counters, insert, the mail it
owes). The database backs it up: one live
registration per person and event, unique queue numbers per event.
"""

from __future__ import annotations

from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import outbox
from accounts.roles import is_event_organiser
from accounts.selectors import email_is_verified
from booking import services as booking_services
from booking.errors import BookingError
from booking.models import Booking
from events import emails
from events.errors import RegistrationError
from events.models import (
    Attendance,
    Event,
    Programme,
    Registration,
    RegistrationStatus,
    Session,
)

_COUNTER_FIELDS = ("id", "capacity", "waitlist", "seats_taken", "waitlist_length", "waitlist_next")


def _locked_event(event_id: int) -> Event:
    """The event row with its counters, locked until the transaction ends."""
    return Event.objects.select_for_update().only(*_COUNTER_FIELDS).get(pk=event_id)


def _save_counters(event: Event) -> None:
    Event.objects.filter(pk=event.pk).update(
        seats_taken=event.seats_taken,
        waitlist_length=event.waitlist_length,
        waitlist_next=event.waitlist_next,
    )


def event_start(event: Event) -> datetime | None:
    annotated = getattr(event, "first_start", None)
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
    if user.affiliation not in event.audience:
        raise RegistrationError(_("This event is not open to your affiliation."), code="forbidden")
    if not registration_is_open(event):
        raise RegistrationError(_("Registration for this event is closed."), code="invalid")


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
# derived from it.
_CLAIM_SQL = """
WITH before AS (
    SELECT id, seats_taken, waitlist_length, waitlist_next,
           seats_taken < capacity AS has_seat
    FROM events_event
    WHERE {event_condition}
      AND (seats_taken < capacity OR waitlist)
      AND (registration_opens IS NULL OR registration_opens <= %(now)s)
      AND (registration_closes IS NULL OR %(now)s < registration_closes)
      AND audience ? %(affiliation)s
    FOR UPDATE
), claimed AS (
    UPDATE events_event AS e SET
        seats_taken = b.seats_taken + CASE WHEN b.has_seat THEN 1 ELSE 0 END,
        waitlist_length = b.waitlist_length + CASE WHEN b.has_seat THEN 0 ELSE 1 END,
        waitlist_next = b.waitlist_next + CASE WHEN b.has_seat THEN 0 ELSE 1 END
    FROM before AS b
    WHERE e.id = b.id
    RETURNING e.id, b.has_seat, b.waitlist_next AS queue_number, e.waitlist_length
), inserted AS (
    INSERT INTO events_registration
        (event_id, user_id, status, queue_number, created_at, updated_at)
    SELECT id, %(user)s,
           CASE WHEN has_seat THEN 'confirmed' ELSE 'waitlisted' END,
           CASE WHEN has_seat THEN NULL ELSE queue_number END,
           %(now)s, %(now)s
    FROM claimed
    RETURNING id, event_id, status, queue_number, created_at
), owed_mail AS (
    INSERT INTO {mail_table}
        ({mail_kind}, {mail_payload}, {mail_language}, {mail_created_at}, {mail_attempts},
         {mail_send_after}, {mail_last_error})
    SELECT %(mail_kind_prefix)s || status, jsonb_build_object('registration', id),
           %(language)s, %(now)s, 0, %(now)s, ''
    FROM inserted
)
SELECT inserted.id, inserted.event_id, inserted.status, inserted.queue_number,
       inserted.created_at, claimed.waitlist_length
FROM inserted CROSS JOIN claimed
"""
_CLAIM_BY_ID_SQL = _CLAIM_SQL.format(event_condition="id = %(event)s", **emails.OUTBOX_SQL_NAMES)
_CLAIM_BY_SLUG_SQL = _CLAIM_SQL.format(event_condition="slug = %(slug)s", **emails.OUTBOX_SQL_NAMES)


def _claim_place_in_one_statement(
    *, user, event: int | None = None, slug: str | None = None
) -> Registration | None:
    params = {
        "event": event,
        "slug": slug,
        "user": user.pk,
        "affiliation": user.affiliation,
        "now": timezone.now(),
        "mail_kind_prefix": emails.REGISTRATION_PREFIX,
        "language": user.language,
    }
    sql = _CLAIM_BY_ID_SQL if event is not None else _CLAIM_BY_SLUG_SQL
    # Inside a caller's transaction a savepoint keeps it usable after a unique violation;
    # otherwise the statement commits on its own (autocommit), in the same round trip.
    atomic = transaction.atomic() if not connection.get_autocommit() else nullcontext()
    with atomic, connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, event_id, status, queue_number, created_at, waitlist_length = row
    registration = Registration(
        pk=pk,
        event_id=event_id,
        user=user,
        status=status,
        queue_number=queue_number,
        created_at=created_at,
        updated_at=created_at,
    )
    registration.waitlist_position = (
        waitlist_length if status == RegistrationStatus.WAITLISTED else None
    )
    # Its mail row went in with it (mail kinds "confirmed" and "waitlisted" are the statuses).
    outbox.wake_sender_after_commit()
    return registration


def _promote(locked: Event, *, limit: int | None = None) -> list[int]:
    """Confirm the first people on the waitlist while seats are free; return their ids."""
    free = locked.capacity - locked.seats_taken
    if limit is not None:
        free = min(free, limit)
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

    The person may cancel until the event starts; an event organiser at any time.
    """
    organiser = is_event_organiser(actor)
    if registration.user_id != actor.pk and not organiser:
        raise RegistrationError(_("Registration not found."), code="not_found")
    if not organiser:
        start = event_start(registration.event)
        if start is not None and timezone.now() >= start:
            raise RegistrationError(
                _("The event has started; a registration can no longer be cancelled."),
                code="invalid",
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
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    # Only a freed seat promotes; a seat freed above a lowered capacity does not.
    return _promote(locked, limit=1) if was_confirmed else []


# --- Programmes and events --------------------------------------------------------------------


def _require_organiser(actor) -> None:
    if not is_event_organiser(actor):
        raise RegistrationError(_("Only event organisers may do this."), code="forbidden")


@transaction.atomic
def create_programme(*, actor, slug: str, name: str, description: str = "", **dates) -> Programme:
    _require_organiser(actor)
    if Programme.objects.filter(slug=slug).exists():
        raise RegistrationError(_("A programme with this slug exists."), field="slug")
    return Programme.objects.create(slug=slug, name=name, description=description, **dates)


PROGRAMME_FIELDS = ("name", "description", "starts_on", "ends_on")


@transaction.atomic
def update_programme(*, actor, programme: Programme, **changes) -> Programme:
    _require_organiser(actor)
    unknown = set(changes) - set(PROGRAMME_FIELDS)
    if unknown:
        raise TypeError(f"unknown programme fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(programme, name, value)
    if changes:
        programme.save(update_fields=list(changes))
    return programme


@dataclass(frozen=True)
class SessionSpec:
    """One session as a client asks for it; `id` names an existing session to move."""

    start: datetime
    end: datetime
    room: object | None = None
    location_text: str = ""
    id: int | None = None


EVENT_FIELDS = (
    "programme",
    "kind",
    "theme",
    "title",
    "description",
    "audience",
    "capacity",
    "registration_opens",
    "registration_closes",
    "waitlist",
    "organiser",
    "image",
)
# Fields that calendars show for each session (SUMMARY, DESCRIPTION).
CALENDAR_FIELDS = {"title", "description"}


def _check_window(opens, closes) -> None:
    if opens and closes and opens >= closes:
        raise RegistrationError(
            _("Registration must open before it closes."), field="registration_closes"
        )


def create_event(*, actor, slug: str, sessions: list[SessionSpec] | None = None, **fields) -> Event:
    """Create an event with its sessions, all or nothing (a room clash undoes everything)."""
    _require_organiser(actor)
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    _check_window(fields.get("registration_opens"), fields.get("registration_closes"))
    fields.setdefault("organiser", actor)
    with transaction.atomic():
        if Event.objects.filter(slug=slug).exists():
            raise RegistrationError(_("An event with this slug exists."), field="slug")
        event = Event.objects.create(slug=slug, **fields)
        for spec in sessions or []:
            add_session(actor=actor, event=event, spec=spec)
    return event


def update_event(
    *, actor, event: Event, sessions: list[SessionSpec] | None = None, **changes
) -> Event:
    """Change an event; `sessions`, when given, is the full new list of sessions.

    A lowered capacity keeps everyone confirmed; a raised one promotes from the waitlist.
    """
    _require_organiser(actor)
    unknown = set(changes) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    _check_window(
        changes.get("registration_opens", event.registration_opens),
        changes.get("registration_closes", event.registration_closes),
    )
    with transaction.atomic():
        locked = _locked_event(event.pk)
        for name, value in changes.items():
            setattr(event, name, value)
        if changes:
            event.save(update_fields=[*changes, "updated_at"])
        locked.capacity = event.capacity
        promoted = _promote(locked)
        _save_counters(locked)
        emails.owe_registration_mail("promoted", promoted)
        if "title" in changes:
            with _room_errors():
                _rename_room_bookings(actor=actor, event=event)
        if changes.keys() & CALENDAR_FIELDS:
            # What calendars show of every session changed: they must pick it up.
            event.sessions.update(sequence=F("sequence") + 1, updated_at=timezone.now())
        if sessions is not None:
            _replace_sessions(actor=actor, event=event, specs=sessions)
    event.seats_taken = locked.seats_taken
    event.waitlist_length = locked.waitlist_length
    return event


# --- Sessions ---------------------------------------------------------------------------------


def _check_session_times(spec: SessionSpec) -> None:
    if spec.start >= spec.end:
        raise RegistrationError(_("A session must end after it starts."), field="sessions")


@contextmanager
def _room_errors():
    """Booking's refusal (a clash, a closure, opening hours) as this app's error."""
    try:
        yield
    except BookingError as error:
        raise RegistrationError(
            error.message,
            code=error.code if error.code != "not_found" else "invalid",
            field="sessions",
            conflicts=error.conflicts,
        ) from error


def _hold_room(
    *, actor, event: Event, spec: SessionSpec, moving_with: tuple[int, ...] = ()
) -> Booking:
    return booking_services.create_booking(
        user=actor,
        room=spec.room,
        start=spec.start,
        end=spec.end,
        title=event.title,
        attendees=max(event.capacity, 1),
        public_title=True,
        on_behalf=True,
        moving_with=moving_with,
    )


def add_session(
    *, actor, event: Event, spec: SessionSpec, moving_with: tuple[int, ...] = ()
) -> Session:
    """Add a session; in a room, the room is booked in the same transaction (409 on a clash).

    `moving_with`: room bookings of sessions that move in the same rearrangement."""
    _require_organiser(actor)
    _check_session_times(spec)
    with transaction.atomic(), _room_errors():
        booking = (
            _hold_room(actor=actor, event=event, spec=spec, moving_with=moving_with)
            if spec.room
            else None
        )
        return Session.objects.create(
            event=event,
            start=spec.start,
            end=spec.end,
            room=spec.room,
            booking=booking,
            location_text=spec.location_text,
        )


def _session_unchanged(session: Session, spec: SessionSpec) -> bool:
    return (session.start, session.end, session.location_text) == (
        spec.start,
        spec.end,
        spec.location_text,
    ) and session.room_id == (spec.room.pk if spec.room else None)


def move_session(
    *, actor, session: Session, spec: SessionSpec, moving_with: tuple[int, ...] = ()
) -> Session:
    """Move a session in time or place; its room booking moves, or is swapped, with it.

    `moving_with`: room bookings of other sessions that move in the same rearrangement."""
    _require_organiser(actor)
    _check_session_times(spec)
    if _session_unchanged(session, spec):
        # Re-saving the full session list must not disturb calendars (SEQUENCE) or the room.
        return session
    with transaction.atomic(), _room_errors():
        same_room = spec.room is not None and session.room_id == spec.room.pk
        if same_room and session.booking_id:
            session.booking = booking_services.move_booking(
                booking=session.booking,
                actor=actor,
                start=spec.start,
                end=spec.end,
                title=session.event.title,
                on_behalf=True,
                moving_with=moving_with,
            )
        else:
            _release_room(actor=actor, session=session)
            session.booking = (
                _hold_room(actor=actor, event=session.event, spec=spec, moving_with=moving_with)
                if spec.room
                else None
            )
        session.room = spec.room
        if spec.start != session.start:
            # The reminder sent was for the old time; the new time is owed its own.
            session.reminder_sent_at = None
        session.start, session.end = spec.start, spec.end
        session.location_text = spec.location_text
        session.sequence = F("sequence") + 1
        session.save()
        session.refresh_from_db(fields=["sequence"])
        emails.owe_session_mail(session, "moved")
    return session


def _release_room(*, actor, session: Session) -> None:
    if session.booking_id and session.booking.is_live:
        booking_services.cancel_booking(booking=session.booking, actor=actor, on_behalf=True)


def cancel_session(*, actor, session: Session) -> None:
    """Drop a session and free its room at once."""
    _require_organiser(actor)
    with transaction.atomic(), _room_errors():
        _release_room(actor=actor, session=session)
        emails.owe_session_mail(session, "removed")
        session.delete()


def _rename_room_bookings(*, actor, event: Event) -> None:
    for session in event.sessions.select_related("booking").filter(booking__isnull=False):
        if session.booking.is_live and session.booking.title != event.title:
            booking_services.move_booking(
                booking=session.booking,
                actor=actor,
                start=session.start,
                end=session.end,
                title=event.title,
                on_behalf=True,
            )


def _replace_sessions(*, actor, event: Event, specs: list[SessionSpec]) -> None:
    existing = {
        session.pk: session
        for session in event.sessions.select_related("booking", "room").select_for_update(
            of=("self",)
        )
    }
    wanted = {spec.id for spec in specs if spec.id is not None}
    missing = wanted - set(existing)
    if missing:
        raise RegistrationError(
            _("Session %(id)s is not a session of this event.") % {"id": min(missing)},
            field="sessions",
        )
    for session_id in set(existing) - wanted:
        cancel_session(actor=actor, session=existing[session_id])
    moving = tuple(
        existing[spec.id].booking_id
        for spec in specs
        if spec.id is not None
        and existing[spec.id].booking_id
        and not _session_unchanged(existing[spec.id], spec)
    )
    # The new timetable must be free of clashes as a whole, not after each step: sessions
    # may trade places, or a new one take the slot another leaves.
    with _room_errors(), booking_services.rearranging() as rebooked:
        for spec in specs:
            if spec.id is None:
                session = add_session(actor=actor, event=event, spec=spec, moving_with=moving)
            elif _session_unchanged(existing[spec.id], spec):
                continue
            else:
                session = move_session(
                    actor=actor, session=existing[spec.id], spec=spec, moving_with=moving
                )
            if session.booking_id:
                rebooked.append(session.booking)


# --- Attendance -------------------------------------------------------------------------------


def set_attendance(
    *, actor, registration: Registration, session: Session, present: bool
) -> Attendance | None:
    """Check a confirmed person in at one session (or undo it)."""
    _require_organiser(actor)
    if session.event_id != registration.event_id:
        raise RegistrationError(_("That session belongs to another event."), field="session")
    if registration.status != RegistrationStatus.CONFIRMED:
        raise RegistrationError(
            _("Only confirmed registrations can be checked in."), code="conflict"
        )
    with transaction.atomic():
        if not present:
            Attendance.objects.filter(registration=registration, session=session).delete()
            return None
        attendance, _created = Attendance.objects.get_or_create(
            registration=registration,
            session=session,
            defaults={"checked_in_at": timezone.now(), "checked_in_by": actor},
        )
    return attendance
