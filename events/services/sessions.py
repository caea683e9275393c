"""Sessions: each a dated occurrence of an event; one in a room holds that room through
booking's services, like any other booker, so moving or cancelling it moves or frees the room."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from booking import services as booking_services
from booking.errors import BookingError
from booking.models import Booking
from events import emails
from events.errors import RegistrationError
from events.models import (
    Event,
    Session,
)
from events.services.roles import require_event_manager


@dataclass(frozen=True)
class SessionSpec:
    """One session as a client asks for it; `id` names an existing session to move."""

    start: datetime
    end: datetime
    room: object | None = None
    location_text: str = ""
    id: int | None = None


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
    """Book the room for the event. The booking is the event's, not the actor's: it leaves
    the person at once, so it is not in their bookings, they cannot cancel it as theirs,
    and it stays when they stop owning the event or erase their account."""
    booking = booking_services.create_booking(
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
    Booking.objects.filter(pk=booking.pk).update(user=None)
    booking.user = None
    return booking


def add_session(
    *, actor, event: Event, spec: SessionSpec, moving_with: tuple[int, ...] = ()
) -> Session:
    """Add a session; in a room, the room is booked in the same transaction (409 on a clash).

    `moving_with`: room bookings of sessions that move in the same rearrangement."""
    require_event_manager(actor, event)
    return _add_session(actor=actor, event=event, spec=spec, moving_with=moving_with)


def _add_session(
    *, actor, event: Event, spec: SessionSpec, moving_with: tuple[int, ...] = ()
) -> Session:
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
    require_event_manager(actor, session.event)
    return _move_session(actor=actor, session=session, spec=spec, moving_with=moving_with)


def _move_session(
    *, actor, session: Session, spec: SessionSpec, moving_with: tuple[int, ...] = ()
) -> Session:
    _check_session_times(spec)
    if _session_unchanged(session, spec):
        # Re-saving the full session list must not disturb calendars (SEQUENCE) or the room.
        return session
    with transaction.atomic(), _room_errors():
        same_room = spec.room is not None and session.room_id == spec.room.pk
        if same_room and session.booking_id:
            # The booking has the event's title already: update_event renames it with the event.
            session.booking = booking_services.move_booking(
                booking=session.booking,
                # Not mutated: on behalf, booking asks nothing of the actor (no booker's rules,
                # no mail); who may move the session was asked here.
                actor=actor,  # pragma: no mutate
                start=spec.start,
                end=spec.end,
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
    require_event_manager(actor, session.event)
    _cancel_session(actor=actor, session=session)


def _cancel_session(*, actor, session: Session) -> None:
    with transaction.atomic(), _room_errors():
        _release_room(actor=actor, session=session)
        emails.owe_session_mail(session, "removed")
        session.delete()


def _rename_room_bookings(*, actor, event: Event) -> None:
    for session in event.sessions.select_related("booking").filter(booking__isnull=False):
        if session.booking.is_live and session.booking.title != event.title:
            booking_services.move_booking(
                booking=session.booking,
                # Not mutated: on behalf, booking asks nothing of the actor (see _move_session).
                actor=actor,  # pragma: no mutate
                start=session.start,
                end=session.end,
                title=event.title,
                on_behalf=True,
            )


def _replace_sessions(*, actor, event: Event, specs: list[SessionSpec]) -> None:
    existing = {
        session.pk: session
        for session in event.sessions.select_related("booking", "room__location").select_for_update(
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
        _cancel_session(actor=actor, session=existing[session_id])
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
                session = _add_session(actor=actor, event=event, spec=spec, moving_with=moving)
            elif _session_unchanged(existing[spec.id], spec):
                continue
            else:
                session = _move_session(
                    actor=actor, session=existing[spec.id], spec=spec, moving_with=moving
                )
            if session.booking_id:
                rebooked.append(session.booking)
