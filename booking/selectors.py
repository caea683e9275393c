"""Reads that several places share: opening hours, availability, the free-room search."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time

from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import JSONObject
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from accounts.models import Affiliation, Organisation, User
from accounts.prepared import PreparedStatement
from accounts.roles import ROLE_GROUPS, is_facility_manager, remember_role_groups
from booking import intervals, managers, seats
from booking.models import (
    LIVE_STATUSES,
    Booking,
    BookingMode,
    Closure,
    FairUseLimit,
    Location,
    OpeningHours,
    Room,
)
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


def _sql_names() -> dict[str, str]:
    quote = connection.ops.quote_name
    user_groups = User.groups.through._meta
    return {
        "room_columns": ", ".join(f"r.{quote(f.column)}" for f in Room._meta.concrete_fields),
        "location_columns": ", ".join(
            f"l.{quote(f.column)}" for f in Location._meta.concrete_fields
        ),
        "room": quote(Room._meta.db_table),
        "room_location": quote(Room._meta.get_field("location").column),
        "room_requires_approval": quote(Room._meta.get_field("requires_approval").column),
        "location": quote(Location._meta.db_table),
        "hours": quote(OpeningHours._meta.db_table),
        "hours_location": quote(OpeningHours._meta.get_field("location").column),
        "group": quote(Group._meta.db_table),
        "limit": quote(FairUseLimit._meta.db_table),
        "limit_kind": quote(FairUseLimit._meta.get_field("room_kind").column),
        "limit_affiliation": quote(FairUseLimit._meta.get_field("affiliation").column),
        "limit_organisation": quote(FairUseLimit._meta.get_field("organisation").column),
        "room_kind": quote(Room._meta.get_field("kind").column),
        "user_groups": quote(user_groups.db_table),
        "user_groups_user": quote(user_groups.get_field("user").column),
        "user_groups_group": quote(user_groups.get_field("group").column),
        **{
            f"{owner}_{relation}{suffix}": value
            for owner, model in (("room", Room), ("location", Location))
            for relation in ("managers", "manager_groups")
            for suffix, value in _m2m_names(model, relation).items()
        },
    }


def _m2m_names(model, relation: str) -> dict[str, str]:
    """The join table of `model.relation` and its two columns, quoted: suffixes "", "_owner"
    (the room or location) and "_member" (the user or group)."""
    quote = connection.ops.quote_name
    field = model._meta.get_field(relation)
    through = field.remote_field.through._meta
    return {
        "": quote(through.db_table),
        "_owner": quote(through.get_field(field.m2m_field_name()).column),
        "_member": quote(through.get_field(field.m2m_reverse_field_name()).column),
    }


# What a booking needs to know of its room, in one query: the room, its location, the
# location's opening hours, the booker's role groups (whether a facility manager books
# decides approval and who may book), in a room that needs approval, whether the booker
# manages it (booking.managers: then they need no one's approval), and the fair-use limits
# that may hold for the booker (booking.quotas.most_specific picks one), so a booking
# without a limit costs no query more. Written in SQL, with the names taken from the
# models, because compiling the same query through the ORM cost more than the rest of a
# booking.
_ROOM_FOR_BOOKING_SQL = """
SELECT {room_columns}, {location_columns},
       ARRAY(SELECT json_build_object('weekday', h.weekday, 'opens', h.opens,
                                      'closes', h.closes)
             FROM {hours} AS h WHERE h.{hours_location} = r.{room_location}),
       ARRAY(SELECT g.name FROM {group} AS g
             JOIN {user_groups} AS ug ON ug.{user_groups_group} = g.id
             WHERE ug.{user_groups_user} = %(user)s AND g.name = ANY(%(role_groups)s)),
       ARRAY(SELECT json_build_object('room_kind', f.{limit_kind},
                                      'affiliation', f.{limit_affiliation},
                                      'organisation_id', f.{limit_organisation},
                                      'max_hours_per_week', f.max_hours_per_week,
                                      'max_future_bookings', f.max_future_bookings,
                                      'max_days_ahead', f.max_days_ahead)
             FROM {limit} AS f
             WHERE f.{limit_kind} = r.{room_kind}
               AND (f.{limit_organisation} = %(organisation)s
                    OR f.{limit_organisation} IS NULL
                       AND f.{limit_affiliation} IN ('', %(affiliation)s))),
       CASE WHEN NOT r.{room_requires_approval} THEN false ELSE EXISTS (
           SELECT FROM {room_managers} AS m
           WHERE m.{room_managers_owner} = r.id AND m.{room_managers_member} = %(user)s
           UNION ALL
           SELECT FROM {location_managers} AS m
           WHERE m.{location_managers_owner} = r.{room_location}
             AND m.{location_managers_member} = %(user)s
           UNION ALL
           SELECT FROM {room_manager_groups} AS m
           JOIN {user_groups} AS ug ON ug.{user_groups_group} = m.{room_manager_groups_member}
           WHERE m.{room_manager_groups_owner} = r.id AND ug.{user_groups_user} = %(user)s
           UNION ALL
           SELECT FROM {location_manager_groups} AS m
           JOIN {user_groups} AS ug
             ON ug.{user_groups_group} = m.{location_manager_groups_member}
           WHERE m.{location_manager_groups_owner} = r.{room_location}
             AND ug.{user_groups_user} = %(user)s
       ) END
FROM {room} AS r JOIN {location} AS l ON l.id = r.{room_location}
WHERE r.{key} = %(key)s
"""
_SQL_NAMES = _sql_names()
_ROOM_BY_SLUG = PreparedStatement(
    "mc_room_for_booking_by_slug", _ROOM_FOR_BOOKING_SQL.format(key="slug", **_SQL_NAMES)
)
_ROOM_BY_ID = PreparedStatement(
    "mc_room_for_booking_by_id", _ROOM_FOR_BOOKING_SQL.format(key="id", **_SQL_NAMES)
)


def room_for_booking(user, *, slug: str | None = None, pk: int | None = None) -> Room | None:
    """The room by slug or id, read to be booked by `user`, or None.

    It carries its location, the location's opening hours (`week_hours`, which
    rules.opening_problem reads), and the user's role groups are remembered on `user`."""
    statement, key = (_ROOM_BY_SLUG, slug) if slug is not None else (_ROOM_BY_ID, pk)
    with connection.cursor() as cursor:
        statement.execute(
            cursor,
            {
                "key": key,
                "user": user.pk,
                "role_groups": list(ROLE_GROUPS),
                "affiliation": getattr(user, "affiliation", "") or "",
                "organisation": getattr(user, "organisation_id", None),
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None
    room_fields = [f.attname for f in Room._meta.concrete_fields]
    location_fields = [f.attname for f in Location._meta.concrete_fields]
    split = len(room_fields)
    room = Room.from_db(connection.alias, room_fields, row[:split])
    room.location = Location.from_db(
        connection.alias, location_fields, row[split : split + len(location_fields)]
    )
    room.week_hours_json, role_groups, room.fair_use_limits_json, room.managed_by_booker = row[-4:]
    room.fair_use_limits_for = user.pk
    room.week_hours = week_hours(room)
    remember_role_groups(user, role_groups)
    return room


def is_read_for_booking(room: Room) -> bool:
    return hasattr(room, "week_hours_json")


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
    # The closures among `busy`, with their reasons: a page says "closed: reason" there.
    closures: list[tuple[datetime, datetime, str]]
    # `free` as (start, end, seats left), split where the seats left change: the capacity
    # all along in a whole room; in a seats room, busy is where no seat is left.
    seats_left: list[tuple[datetime, datetime, int]]

    def fewest_seats_left(self, start: datetime, end: datetime) -> int | None:
        """The fewest seats left at any free instant of [start, end), None if none is free."""
        found = [left for since, until, left in self.seats_left if since < end and until > start]
        return min(found) if found else None

    def closure_reason(self, start: datetime, end: datetime) -> str | None:
        """The reason of the closure that covers all of [start, end), if one does."""
        for closed_from, closed_until, reason in self.closures:
            if closed_from <= start and end <= closed_until:
                return reason
        return None


def room_availability(room: Room, start: datetime, end: datetime) -> Availability:
    """Busy and free time of `room` in [start, end): three queries whatever the span.

    Busy is live bookings widened by the room's buffer, and closures, within opening hours;
    free is the rest of the opening hours. A booking that fits inside a free span is allowed
    as far as time goes.
    """
    return location_availability([room], start, end)[0]


def location_availability(rooms: list[Room], start: datetime, end: datetime) -> list[Availability]:
    """`room_availability` of each of `rooms`, all in one location: three queries whatever
    the number of rooms and the span."""
    if not rooms:
        return []
    span = (start, end)
    location_id = rooms[0].location_id
    open_spans = intervals.opening_intervals(opening_hours_by_weekday(location_id), span, LOCAL_TZ)
    taken: dict[int, list[intervals.Interval]] = defaultdict(list)
    held: dict[int, list[seats.Hold]] = defaultdict(list)
    capacity = {room.pk: room.capacity for room in rooms}
    bookings = (
        Booking.objects.filter(room__in=rooms)
        .blocking(start, end)
        .values_list(
            "room_id", "start", "blocked_from", "blocked_until", "takes_whole_room", "attendees"
        )
    )
    for room_id, since, blocked_from, blocked_until, whole, attendees in bookings:
        taken[room_id].append((blocked_from, blocked_until))
        held[room_id].append((since, blocked_until, capacity[room_id] if whole else attendees))
    closures: dict[int | None, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    found = (
        Closure.objects.filter(Q(room__in=rooms) | Q(location_id=location_id))
        .filter(start__lt=end, end__gt=start)
        .values_list("room_id", "start", "end", "reason")
    )
    for room_id, closure_start, closure_end, reason in found:
        closures[room_id].append((closure_start, closure_end, reason))
    result = []
    for room in rooms:
        closed = closures[None] + closures[room.pk]
        closed_spans = [(s, e) for s, e, _reason in closed]
        if room.booking_mode == BookingMode.SEATS:
            # Seats left wherever it is open and not closed; busy where none is left.
            seats_left = seats.seats_left(
                held[room.pk], intervals.subtract(open_spans, closed_spans), room.capacity
            )
            free = intervals.normalise((since, until) for since, until, _left in seats_left)
            busy = intervals.subtract(open_spans, free)
        else:
            busy = intervals.intersect(taken[room.pk] + closed_spans, open_spans)
            free = intervals.subtract(open_spans, busy)
            seats_left = [(since, until, room.capacity) for since, until in free]
        result.append(
            Availability(
                room=room,
                span=span,
                open=open_spans,
                busy=busy,
                free=free,
                closures=closed,
                seats_left=seats_left,
            )
        )
    return result


# A seats room has `seats` seats free for all of [from, until) when at no instant the load
# can grow (the start, and each start of a booking held then) the seats held then and the
# wanted ones exceed the capacity; what booking.services.bookings checks under the lock.
_SEATS_FREE_SQL = """NOT EXISTS (
    SELECT 1 FROM (
        SELECT %s::timestamptz AS at
        UNION SELECT b.{b_start} FROM {booking} AS b
        WHERE b.{b_room} = {room}.id AND b.{b_status} = ANY(%s)
          AND tstzrange(b.{b_blocked_from}, b.{b_blocked_until})
              && tstzrange(%s, %s)
          AND b.{b_start} > %s::timestamptz
    ) AS instants
    WHERE (SELECT coalesce(sum(CASE WHEN b.{b_whole} THEN {room}.{r_capacity}
                                    ELSE b.{b_attendees} END), 0)
           FROM {booking} AS b
           WHERE b.{b_room} = {room}.id AND b.{b_status} = ANY(%s)
             AND tstzrange(b.{b_blocked_from}, b.{b_blocked_until})
                 && tstzrange(%s, %s)
             AND b.{b_start} <= instants.at AND b.{b_blocked_until} > instants.at)
          + %s > {room}.{r_capacity}
)"""


def _seats_free_sql() -> str:
    quote = connection.ops.quote_name
    booking = Booking._meta
    return _SEATS_FREE_SQL.format(
        booking=quote(booking.db_table),
        room=quote(Room._meta.db_table),
        r_capacity=quote(Room._meta.get_field("capacity").column),
        **{
            f"b_{name}": quote(booking.get_field(field).column)
            for name, field in [
                ("start", "start"),
                ("room", "room"),
                ("status", "status"),
                ("blocked_from", "blocked_from"),
                ("blocked_until", "blocked_until"),
                ("whole", "takes_whole_room"),
                ("attendees", "attendees"),
            ]
        },
    )


_SEATS_FREE = _seats_free_sql()


def _seats_free_params(start: datetime, end: datetime, wanted: int) -> list:
    values = {"from": start, "until": end, "live": list(LIVE_STATUSES), "seats": wanted}
    return [
        values[name]
        for name in ["from", "live", "from", "until", "from", "live", "from", "until", "seats"]
    ]


def rooms_free_between(
    rooms: QuerySet, start: datetime, end: datetime, seats_wanted: int = 1
) -> QuerySet:
    """Narrow `rooms` to those bookable for the whole of [start, end), in the same query;
    a seats room when `seats_wanted` seats are free all that time.

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
    # The outer room table is named in the SQL: `rooms` must not join rooms twice.
    seats_free = RawSQL(  # noqa: S611 (names from the models, values as parameters)
        _SEATS_FREE,
        _seats_free_params(start, end, seats_wanted),
        output_field=BooleanField(),
    )
    whole_room_free = Q(~Exists(taken)) & ~Q(booking_mode=BookingMode.SEATS)
    return (
        rooms.filter(Exists(opened))
        .exclude(Exists(closed))
        .alias(seats_free=seats_free)
        .filter(whole_room_free | Q(booking_mode=BookingMode.SEATS, seats_free=True))
    )


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
    given = {"location__slug": location, "kind": kind, "capacity__gte": capacity}
    rooms = rooms.filter(**{lookup: value for lookup, value in given.items() if value})
    if free_from and free_until:
        if user.is_authenticated:
            rooms = rooms.filter(pk__in=bookable_rooms(user).values("pk"))
        rooms = rooms_free_between(rooms, free_from, free_until, capacity or 1)
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


def bookable_room_ids(user) -> set[int] | None:
    """Ids of the rooms `user` may book, for pages that mark the others; None for a visitor,
    who is asked to sign in at the form."""
    if not user.is_authenticated:
        return None
    return set(bookable_rooms(user).values_list("pk", flat=True))


def who_may_book(rooms: list[Room]) -> dict[int, str]:
    """For each room, who its rule lets book it, in words: "Hogeschool Utrecht, Gemeente
    Hilversum and MBO College Hilversum". One query for the organisations of all of them."""
    wanted = {pk for room in rooms for pk in room.organisations_allowed}
    names = dict(Organisation.objects.filter(pk__in=wanted).values_list("pk", "name"))
    labels = dict(Affiliation.choices)
    return {
        room.pk: str(
            get_text_list(
                [str(labels[a]) for a in room.bookable_by if a in labels]
                + sorted(names[pk] for pk in room.organisations_allowed if pk in names),
                _("and"),
            )
        )
        for room in rooms
    }


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
    """Facility managers see every booking; anyone else their own and those of the rooms
    they manage (booking.managers)."""
    bookings = Booking.objects.select_related("room", "room__location", "user", "series")
    if is_facility_manager(user):
        return bookings
    return bookings.filter(Q(user=user) | Q(room__in=managers.managed_rooms(user)))
