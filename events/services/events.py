"""Programmes and events: organisers create and change them; an event's sessions go
through .sessions, its seat counters through .registrations."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from events import emails
from events.errors import RegistrationError
from events.models import (
    Event,
    Programme,
)
from events.services.registrations import _locked_event, _promote, _save_counters
from events.services.roles import (
    require_event_manager,
    require_organiser,
    require_programme_manager,
)
from events.services.sessions import (
    SessionSpec,
    _add_session,
    _rename_room_bookings,
    _replace_sessions,
    _room_errors,
)


@transaction.atomic
def create_programme(*, actor, slug: str, name: str, description: str = "", **dates) -> Programme:
    """Create a programme; its creator is its first owner."""
    require_organiser(actor)
    if Programme.objects.filter(slug=slug).exists():
        raise RegistrationError(_("A programme with this slug exists."), field="slug")
    programme = Programme.objects.create(slug=slug, name=name, description=description, **dates)
    programme.owners.add(actor)
    return programme


PROGRAMME_FIELDS = ("name", "description", "title_en", "description_en", "starts_on", "ends_on")


@transaction.atomic
def update_programme(*, actor, programme: Programme, **changes) -> Programme:
    require_programme_manager(actor, programme)
    unknown = set(changes) - set(PROGRAMME_FIELDS)
    if unknown:
        raise TypeError(f"unknown programme fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(programme, name, value)
    if changes:
        programme.save(update_fields=list(changes))
    return programme


EVENT_FIELDS = (
    "programme",
    "kind",
    "theme",
    "title",
    "description",
    "title_en",
    "description_en",
    "audience",
    "capacity",
    "registration_opens",
    "registration_closes",
    "waitlist",
    "image",
    "published",
)
# Fields that calendars show for each session (SUMMARY, DESCRIPTION).
CALENDAR_FIELDS = {"title", "description", "title_en", "description_en"}


def _check_window(opens, closes) -> None:
    if opens and closes and opens >= closes:
        raise RegistrationError(
            _("Registration must open before it closes."), field="registration_closes"
        )


def create_event(*, actor, slug: str, sessions: list[SessionSpec] | None = None, **fields) -> Event:
    """Create an event with its sessions, all or nothing (a room clash undoes everything).

    Its creator is its first owner."""
    require_organiser(actor)
    unknown = set(fields) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    _check_window(fields.get("registration_opens"), fields.get("registration_closes"))
    with transaction.atomic():
        if Event.objects.filter(slug=slug).exists():
            raise RegistrationError(_("An event with this slug exists."), field="slug")
        event = Event.objects.create(slug=slug, **fields)
        event.owners.add(actor)
        for spec in sessions or []:
            _add_session(actor=actor, event=event, spec=spec)
    return event


def update_event(
    *, actor, event: Event, sessions: list[SessionSpec] | None = None, **changes
) -> Event:
    """Change an event; `sessions`, when given, is the full new list of sessions.

    A lowered capacity keeps everyone confirmed; a raised one promotes from the waitlist.
    """
    require_event_manager(actor, event)
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
