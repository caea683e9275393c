"""Writes of facility managers: locations with opening hours, rooms and their rules,
closures, photos. The caller checks the role; each service is one transaction.
"""

from datetime import datetime, time

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Organisation
from booking import emails
from booking.errors import BookingError
from booking.models import (
    Booking,
    BookingStatus,
    Closure,
    FairUseLimit,
    Location,
    OpeningHours,
    Room,
)
from booking.photos import process_photo
from booking.services.bookings import set_status

ROOM_FIELDS = (
    "slug",
    "name",
    "location",
    "kind",
    "capacity",
    "description",
    "amenities",
    "bookable_by",
    "requires_approval",
    "min_duration_minutes",
    "max_duration_minutes",
    "max_days_ahead",
    "min_notice_minutes",
    "buffer_minutes",
    "booking_mode",
    "desks",
    "check_in_required",
    "release_after_minutes",
    "is_active",
)


def check_hours(opening_hours: list[dict]) -> None:
    seen = set()
    for entry in opening_hours:
        if entry["opens"] >= entry["closes"]:
            raise BookingError(_("Each day must close after it opens."), field="opening_hours")
        if entry["weekday"] in seen:
            raise BookingError(_("Give each weekday at most once."), field="opening_hours")
        seen.add(entry["weekday"])


def save_location(
    *,
    location: Location | None = None,
    slug: str,
    name: str,
    address: str = "",
    opening_hours: list[dict[str, int | time]] | None = None,
) -> Location:
    """Create or change a location; `opening_hours` (if given) replaces the weekly hours."""
    with transaction.atomic():
        location = location or Location()
        location.slug, location.name, location.address = slug, name, address
        location.save()
        if opening_hours is not None:
            check_hours(opening_hours)
            location.opening_hours.all().delete()
            OpeningHours.objects.bulk_create(
                OpeningHours(location=location, **entry) for entry in opening_hours
            )
    return location


def check_room_rules(room: Room) -> None:
    if room.min_duration_minutes > room.max_duration_minutes:
        raise BookingError(
            _("The minimum duration cannot be above the maximum."), field="min_duration_minutes"
        )
    if room.capacity < 1:
        raise BookingError(_("A room holds at least one person."), field="capacity")
    if not 1 <= room.release_after_minutes <= 240:
        raise BookingError(
            _("Release a booking between 1 and 240 minutes after its start."),
            field="release_after_minutes",
        )


def save_room(*, room: Room | None = None, **fields) -> Room:
    """Create or change a room. Existing bookings keep the buffer they were made with."""
    unknown = set(fields) - set(ROOM_FIELDS)
    if unknown:
        raise ValueError(f"unknown room fields: {sorted(unknown)}")
    with transaction.atomic():
        room = room or Room()
        for name, value in fields.items():
            setattr(room, name, value)
        check_room_rules(room)
        room.save()
    return room


def set_room_organisations(
    *, room: Room, allowed: list[Organisation], refused: list[Organisation]
) -> Room:
    """Name the organisations whose members may book `room` beside their affiliation
    (allowed) or may not book it at all (refused)."""
    both = {o.pk for o in allowed} & {o.pk for o in refused}
    if both:
        raise BookingError(
            _("An organisation cannot be both allowed and refused."), field="organisations_refused"
        )
    room.organisations_allowed = sorted(o.pk for o in allowed)
    room.organisations_refused = sorted(o.pk for o in refused)
    room.save(update_fields=["organisations_allowed", "organisations_refused"])
    return room


def set_room_photo(*, room: Room, upload) -> Room:
    photo, thumbnail = process_photo(upload)
    with transaction.atomic():
        old = [f.name for f in (room.photo, room.thumbnail) if f]
        room.photo.save(f"{room.slug}.jpg", photo, save=False)
        room.thumbnail.save(f"{room.slug}.jpg", thumbnail, save=False)
        room.save(update_fields=["photo", "thumbnail"])
        storage = room.photo.storage
        transaction.on_commit(lambda: [storage.delete(name) for name in old])
    return room


def save_closure(
    *,
    closure: Closure | None = None,
    start: datetime,
    end: datetime,
    reason: str,
    location: Location | None = None,
    room: Room | None = None,
    cancel_bookings: bool = False,
) -> tuple[Closure, list[Booking]]:
    """Close a location or one room, or change a closure; returns it with the bookings it
    cancelled. With `cancel_bookings`, the live bookings in the way are cancelled and each
    booker is told why; without, they stay (`bookings_in_the_way` lists them for the
    manager to settle). Sessions of events are never cancelled here: their organisers move
    them."""
    if (location is None) == (room is None):
        raise BookingError(_("Close either a location or a room."))
    if start >= end:
        raise BookingError(_("The end must be after the start."), field="end")
    with transaction.atomic():
        closure = closure or Closure()
        closure.location, closure.room = location, room
        closure.start, closure.end, closure.reason = start, end, reason
        closure.save()
        cancelled = []
        if cancel_bookings:
            rooms = [room] if room is not None else list(location.rooms.order_by("pk"))
            for each in rooms:  # the room lock first, as every booking change takes it
                Room.objects.select_for_update().filter(pk=each.pk).first()
            for booking in bookings_in_the_way(closure).filter(event_session__isnull=True):
                set_status(booking, BookingStatus.CANCELLED)
                emails.owe_mail(booking, emails.CANCELLED, closed_because=reason)
                cancelled.append(booking)
    return closure, cancelled


def bookings_in_the_way(closure: Closure):
    """Live bookings of the closed room (or the location's rooms) during the closure."""
    bookings = Booking.objects.live().filter(start__lt=closure.end, end__gt=closure.start)
    if closure.room_id:
        bookings = bookings.filter(room_id=closure.room_id)
    else:
        bookings = bookings.filter(room__location_id=closure.location_id)
    return bookings.select_related("room", "user", "event_session").order_by("start", "pk")


def delete_closure(*, closure: Closure) -> None:
    closure.delete()


def set_fair_use_limit(
    *,
    room_kind: str,
    affiliation: str = "",
    organisation: Organisation | None = None,
    max_hours_per_week: int | None = None,
    max_future_bookings: int | None = None,
    max_days_ahead: int | None = None,
) -> FairUseLimit:
    """Set the fair-use limit of one group (everyone, an affiliation or an organisation)
    for one kind of room; None leaves that sort unlimited."""
    if affiliation and organisation is not None:
        raise BookingError(_("Name an affiliation or an organisation, not both."))
    limit, _created = FairUseLimit.objects.update_or_create(
        room_kind=room_kind,
        affiliation=affiliation,
        organisation=organisation,
        defaults={
            "max_hours_per_week": max_hours_per_week,
            "max_future_bookings": max_future_bookings,
            "max_days_ahead": max_days_ahead,
        },
    )
    return limit
