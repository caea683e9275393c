"""Reads that several places share: opening hours, availability, the free-room search."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import JSONObject

from accounts.roles import is_facility_manager
from booking import intervals
from booking.models import Booking, Closure, OpeningHours, Room
from booking.timezones import LOCAL_TZ


def opening_hours_by_weekday(location_id: int) -> dict[int, list[tuple[time, time]]]:
    hours: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for weekday, opens, closes in OpeningHours.objects.filter(location_id=location_id).values_list(
        "weekday", "opens", "closes"
    ):
        hours[weekday].append((opens, closes))
    return hours


def with_week_hours(rooms: QuerySet) -> QuerySet:
    """Rooms that carry their location's opening hours, read in the same query; turn them
    into `opening_hours_by_weekday`'s shape with `week_hours`."""
    hours = OpeningHours.objects.filter(location_id=OuterRef("location_id")).values(
        json=JSONObject(weekday="weekday", opens="opens", closes="closes")
    )
    return rooms.annotate(week_hours_json=ArraySubquery(hours))


def week_hours(room: Room) -> dict[int, list[tuple[time, time]]]:
    hours: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for row in room.week_hours_json:
        hours[row["weekday"]].append(
            (time.fromisoformat(row["opens"]), time.fromisoformat(row["closes"]))
        )
    return hours


@dataclass(frozen=True)
class Availability:
    room: Room
    span: intervals.Interval
    open: list[intervals.Interval]
    busy: list[intervals.Interval]
    free: list[intervals.Interval]


def room_availability(room: Room, start: datetime, end: datetime) -> Availability:
    """Busy and free time of `room` in [start, end): three queries whatever the span.

    Busy is live bookings widened by the room's buffer, and closures, within opening hours;
    free is the rest of the opening hours. A booking that fits inside a free span is allowed
    as far as time goes.
    """
    span = (start, end)
    open_spans = intervals.opening_intervals(
        opening_hours_by_weekday(room.location_id), span, LOCAL_TZ
    )
    taken = list(
        Booking.objects.of_room(room)
        .blocking(start, end)
        .values_list("blocked_from", "blocked_until")
    )
    taken += list(
        Closure.objects.filter(Q(room=room) | Q(location_id=room.location_id))
        .filter(start__lt=end, end__gt=start)
        .values_list("start", "end")
    )
    busy = intervals.intersect(taken, open_spans)
    free = intervals.subtract(open_spans, busy)
    return Availability(room=room, span=span, open=open_spans, busy=busy, free=free)


def rooms_free_between(rooms: QuerySet, start: datetime, end: datetime) -> QuerySet:
    """Narrow `rooms` to those bookable for the whole of [start, end), in the same query.

    Open: the location's hours of that local weekday cover the span (a span across local
    midnight is never free). Not closed: no closure of the room or its location touches it.
    Not taken: no live booking's buffered span touches it; `blocked_from`/`blocked_until`
    carry the buffer, so this is an indexed range comparison, not arithmetic per row.
    """
    local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    if start >= end or local_start.date() != local_end.date():
        return rooms.none()
    opened = OpeningHours.objects.filter(
        location_id=OuterRef("location_id"),
        weekday=local_start.weekday(),
        opens__lte=local_start.time(),
        closes__gte=local_end.time(),
    )
    closed = Closure.objects.filter(
        Q(room_id=OuterRef("pk")) | Q(location_id=OuterRef("location_id")),
        start__lt=end,
        end__gt=start,
    )
    taken = Booking.objects.filter(room_id=OuterRef("pk")).blocking(start, end)
    return rooms.filter(Exists(opened)).exclude(Exists(closed)).exclude(Exists(taken))


def search_rooms(
    *,
    user,
    location: str | None = None,
    kind: str | None = None,
    capacity: int | None = None,
    free_from: datetime | None = None,
    free_until: datetime | None = None,
) -> QuerySet:
    """Active rooms matching a search, as the room page and the API offer it.

    `location` is a location's slug. With a span, only rooms free for all of it: for a
    signed-in person the ones they may book; a visitor sees every free room.
    """
    rooms = (
        Room.objects.filter(is_active=True)
        .select_related("location")
        .order_by("location__name", "name")
    )
    if location:
        rooms = rooms.filter(location__slug=location)
    if kind:
        rooms = rooms.filter(kind=kind)
    if capacity:
        rooms = rooms.filter(capacity__gte=capacity)
    if free_from and free_until:
        if user.is_authenticated:
            rooms = rooms.filter(pk__in=bookable_rooms(user).values("pk"))
        rooms = rooms_free_between(rooms, free_from, free_until)
    return rooms


def bookable_rooms(user) -> QuerySet:
    """Active rooms the user may book (facility managers: every active room)."""
    rooms = Room.objects.filter(is_active=True)
    if is_facility_manager(user):
        return rooms
    affiliation = getattr(user, "affiliation", None)
    if not affiliation:
        return rooms.none()
    return rooms.filter(bookable_by_q(affiliation, getattr(user, "organisation_id", None)))


def bookable_by_q(affiliation: str, organisation_id: int | None = None) -> Q:
    """Rooms whose rule lets a member of `organisation_id` with `affiliation` book, as
    booking.rules.room_admits decides it for one room."""
    accepted = Q(bookable_by__contains=[affiliation])
    if organisation_id is None:
        return accepted
    accepted |= Q(organisations_allowed__contains=[organisation_id])
    return accepted & ~Q(organisations_refused__contains=[organisation_id])


def organisation_rooms(organisation) -> QuerySet:
    """Active rooms the members of `organisation` may book (by their affiliation or by name)."""
    return Room.objects.filter(is_active=True).filter(
        bookable_by_q(organisation.affiliation, organisation.pk)
    )


def visible_bookings(user) -> QuerySet:
    """Facility managers see every booking; anyone else only their own."""
    bookings = Booking.objects.select_related("room", "room__location", "user", "series")
    if is_facility_manager(user):
        return bookings
    return bookings.filter(user=user)
