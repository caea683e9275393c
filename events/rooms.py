"""Rooms as events see them: session input with room slugs, room choices, and which rooms
are busy at a given time (for the organiser's room picker)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from booking.models import Booking, Room
from events.errors import RegistrationError
from events.services import SessionSpec


def room_by_slug(slug: str, *, field: str = "room") -> Room:
    room = Room.objects.select_related("location").filter(slug=slug).first()
    if room is None:
        raise RegistrationError(_("Unknown room %(slug)s.") % {"slug": slug}, field=field)
    return room


def session_specs_from(items: list[dict]) -> list[SessionSpec]:
    """The API's session dicts as SessionSpecs; an unknown room slug is a 400."""
    slugs = {item["room"] for item in items if item.get("room")}
    rooms = {room.slug: room for room in Room.objects.filter(slug__in=slugs)}
    unknown = sorted(slugs - set(rooms))
    if unknown:
        raise RegistrationError(
            _("Unknown room %(slug)s.") % {"slug": unknown[0]}, field="sessions"
        )
    return [
        SessionSpec(
            id=item.get("id"),
            start=item["start"],
            end=item["end"],
            room=rooms[item["room"]] if item.get("room") else None,
            location_text=item.get("location_text", ""),
        )
        for item in items
    ]


def room_choices() -> list[tuple[str, str]]:
    return [
        (room.slug, f"{room.name} ({room.location.name}, {room.capacity})")
        for room in Room.objects.filter(is_active=True).select_related("location")
    ]


def session_room_slug(session) -> str:
    return session.room.slug if session.room_id else ""


def room_clashes(
    start: datetime, end: datetime, *, exclude_session=None
) -> list[tuple[Room, list[tuple[datetime, datetime]]]]:
    """Every active room with the live bookings that stand in the way of [start, end)."""
    rooms = list(Room.objects.filter(is_active=True).select_related("location"))
    bookings = Booking.objects.blocking(start, end).filter(room__in=rooms).order_by("start")
    if exclude_session is not None and exclude_session.booking_id:
        bookings = bookings.exclude(pk=exclude_session.booking_id)
    busy: dict[int, list] = {}
    for booking in bookings:
        busy.setdefault(booking.room_id, []).append((booking.start, booking.end))
    return [(room, busy.get(room.pk, [])) for room in rooms]
