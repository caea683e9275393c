"""Many slots held at once on behalf of an event (a schedule import), all or nothing.

`create_booking` costs a round trip or two per booking, which is right for a person booking
one slot and a waste for a schedule of a thousand talks: here each room is locked once (all
in one statement, in id order, the order every multi-room writer takes them in), what stands
in the way is read once for all rooms, every request is checked against it and against the
requests before it in Python, and all are inserted in one statement. The rules are those of
a booking on behalf (`create_booking(on_behalf=True)`): the room active and open, no closure,
nothing live in the way, the room taken whole. The exclusion constraint stays the last guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from booking import rules, selectors
from booking.errors import BookingError
from booking.models import LIVE_STATUSES, Booking, BookingStatus, Closure, Room
from booking.services.bookings import check_booker_rules, new_booking


@dataclass(frozen=True)
class Hold:
    room: Room
    start: datetime
    end: datetime
    title: str
    attendees: int = 1


class HoldsRefused(Exception):
    """Some requests cannot be held: `refusals` is [(index of the request, BookingError)],
    every clash and closure among them, in request order. Nothing was inserted."""

    def __init__(self, refusals: list[tuple[int, BookingError]]):
        # Not mutated: the text is for a traceback only; callers read `refusals`.
        super().__init__(f"{len(refusals)} holds refused")  # pragma: no mutate
        self.refusals = refusals


def _locked_rooms(room_ids: set[int]) -> dict[int, Room]:
    rooms = (
        # Not mutated: without it only a refusal's message reads the location, by a query.
        selectors.with_week_hours(Room.objects.select_related("location"))  # pragma: no mutate
        .select_for_update(of=("self",))
        .filter(pk__in=room_ids)
        .order_by("pk")
    )
    locked = {}
    for room in rooms:
        room.week_hours = selectors.week_hours(room)
        locked[room.pk] = room
    return locked


def _in_the_way(rooms: dict[int, Room], holds: list[Hold], moving_with) -> tuple[dict, dict]:
    """Live bookings and closures of the rooms during the holds' whole span, by room id."""
    since = min(rules.blocked_span(rooms[h.room.pk], h.start, h.end)[0] for h in holds)
    until = max(rules.blocked_span(rooms[h.room.pk], h.start, h.end)[1] for h in holds)
    bookings: dict[int, list] = {pk: [] for pk in rooms}
    for booking in (
        Booking.objects.filter(room_id__in=list(rooms), status__in=LIVE_STATUSES)
        # Not mutated: a narrower read only; _refusal compares each hold's times again.
        .filter(blocked_from__lt=until, blocked_until__gt=since)  # pragma: no mutate
        .exclude(pk__in=moving_with)
        .order_by("start")
    ):
        bookings[booking.room_id].append(booking)
    location_ids = {room.location_id for room in rooms.values()}
    closures: dict[int, list] = {pk: [] for pk in rooms}
    # Not mutated: a narrower read only; _refusal compares each hold's times again.
    during = Closure.objects.filter(start__lt=until, end__gt=since)  # pragma: no mutate
    for closure in during.filter(Q(room_id__in=list(rooms)) | Q(location_id__in=location_ids)):
        for room in rooms.values():
            if closure.room_id == room.pk or closure.location_id == room.location_id:
                closures[room.pk].append(closure)
    return bookings, closures


def _refusal(room: Room, hold: Hold, bookings: list, closures: list) -> BookingError | None:
    """What create_booking(on_behalf=True) would refuse, with the same message."""
    try:
        check_booker_rules(
            user=None,
            room=room,
            start=hold.start,
            end=hold.end,
            attendees=hold.attendees,
            on_behalf=True,
            # Not mutated: left out (None) it is takes_whole_room(on_behalf=True), True too.
            whole_room=True,  # pragma: no mutate
        )
        rules.check_opening_hours(room, hold.start, hold.end)
    except BookingError as error:
        return error
    closed = sorted(
        (c for c in closures if c.start < hold.end and c.end > hold.start), key=lambda c: c.start
    )
    if closed:
        return rules.closure_error(room, closed)
    # As Booking.objects.blocking: their time plus buffer touches [start, end).
    clashes = [b for b in bookings if b.blocked_from < hold.end and b.blocked_until > hold.start]
    if clashes:
        return rules.clash_error(room, clashes)
    return None


def hold_rooms(*, actor, holds: list[Hold], moving_with: tuple[int, ...] = ()) -> list[Booking]:
    """Book every hold on behalf of an event, in the caller's transaction, or none.

    The bookings are confirmed and the event's (no user; `actor`'s affiliation and
    organisation kept for reports, as `_hold_room` in events does); they owe no mail.
    `moving_with`: bookings that move away in the same `rearranging` block. A hold that
    clashes with another of `holds` is refused as if that one were already booked.
    Raises HoldsRefused listing every refusal."""
    if not holds:
        return []
    with transaction.atomic():
        rooms = _locked_rooms({hold.room.pk for hold in holds})
        missing = [i for i, hold in enumerate(holds) if hold.room.pk not in rooms]
        if missing:
            error = BookingError(_("This room no longer exists."), code="not_found", field="room")
            raise HoldsRefused([(i, error) for i in missing])
        bookings, closures = _in_the_way(rooms, holds, moving_with)
        refusals, new = [], []
        for index, hold in enumerate(holds):
            room = rooms[hold.room.pk]
            refusal = _refusal(room, hold, bookings[room.pk], closures[room.pk])
            if refusal is not None:
                refusals.append((index, refusal))
                continue
            booking = new_booking(
                room=room,
                user=actor,
                start=hold.start,
                end=hold.end,
                # Not mutated: both are the model's defaults, written out for the reader.
                status=BookingStatus.CONFIRMED,  # pragma: no mutate
                title=hold.title,
                public_title=True,
                attendees=hold.attendees,
                takes_whole_room=True,  # pragma: no mutate
            )
            booking.user = None
            bookings[room.pk].append(booking)
            new.append(booking)
        if refusals:
            raise HoldsRefused(refusals)
        return Booking.objects.bulk_create(new)
