"""Room occupancy for the covenant report: booked time against each room's real opening
hours minus closures, never a fixed office day.

Everything is added up in PostgreSQL, in one statement per figure, so the cost of a report
does not grow with its number of queries: a location's opening hours become one range of
real instants per local day (`generate_series` over the days, each wall-clock time turned
into an instant as booking.intervals.wall_time does, so a day on which the clocks change is
as long as it really is), closures of the room or its location are taken out as a
multirange, and each booking is cut to what is left (`*`, range intersection). A booking
that runs past closing time counts only up to it. In a seats room a booking of `attendees`
seats counts attendees / capacity of its hours (seat-hours over seat capacity); a session
holding the room whole counts whole. Released no-shows (booking.check_in) are counted apart.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _

from booking.models import (
    Booking,
    BookingMode,
    BookingStatus,
    Closure,
    Location,
    OpeningHours,
    Room,
    RoomKind,
)
from booking.report_periods import Period
from booking.timezones import LOCAL_TZ

GROUPS = ("room", "location", "kind")
# How many rooms the page names as busiest and quietest.
PEAK_AND_IDLE = 5

# A local wall-clock time on a day as an instant, as booking.intervals.wall_time reads it:
# in the spring gap with the offset from before it (PostgreSQL does the same), in the autumn
# repeat the first pass (PostgreSQL takes the second; an hour earlier, plus the hour, is the
# first, and the earlier of the two readings is right on every other day too).
_WALL_TIME = (
    "least(({day} + {at}) AT TIME ZONE %(tz)s, "
    "({day} + {at} - interval '1 hour') AT TIME ZONE %(tz)s + interval '1 hour')"
)

# The building blocks every occupancy statement shares. Periods come as two date arrays:
# several at once give one row per room and period (the year plan's half-years).
_OPEN_TIME = """
periods AS (
    SELECT p.n AS bucket, p.first_day, p.last_day
    FROM unnest(%(firsts)s::date[], %(lasts)s::date[]) WITH ORDINALITY AS p(first_day, last_day, n)
),
days AS (
    SELECT p.bucket, p.first_day, d::date AS day
    FROM periods AS p, generate_series(p.first_day, p.last_day, interval '1 day') AS d
),
opening AS (
    SELECT d.bucket, d.first_day, d.day, h.location_id,
           tstzrange({opens}, {closes}) AS span
    FROM days AS d
    JOIN {hours} AS h ON h.weekday = extract(isodow FROM d.day)::int - 1
),
rooms AS (
    SELECT r.id, r.location_id, r.capacity, r.booking_mode = %(seats)s AS by_seat
    FROM {room} AS r
    WHERE (r.is_active OR EXISTS (
            SELECT FROM {booking} AS b
            WHERE b.room_id = r.id AND b.start < %(until)s AND b."end" > %(since)s))
      AND (cardinality(%(locations)s::bigint[]) = 0 OR r.location_id = ANY(%(locations)s))
      AND (cardinality(%(kinds)s::text[]) = 0 OR r.kind = ANY(%(kinds)s))
),
closed AS (
    SELECT r.id AS room_id, range_agg(tstzrange(c.start, c."end")) AS spans
    FROM rooms AS r
    JOIN {closure} AS c ON c.room_id = r.id OR c.location_id = r.location_id
    WHERE c.start < %(until)s AND c."end" > %(since)s
    GROUP BY r.id
),
-- Open time a closure takes from a room, per period: the closures cut to opening hours.
closed_open AS (
    SELECT r.id AS room_id, o.bucket, tstzmultirange(o.span) * cl.spans AS spans
    FROM rooms AS r
    JOIN closed AS cl ON cl.room_id = r.id
    JOIN opening AS o ON o.location_id = r.location_id AND o.span && cl.spans
),
-- Each booking on each local day it touches (materialized first, so that the planner meets
-- these rows with the days' opening hours by hash, never every room-day per booking).
booking_days AS MATERIALIZED (
    SELECT b.id, b.room_id, r.location_id, r.capacity, b.status, b.start, b."end",
           (b.start AT TIME ZONE %(tz)s)::date AS day, 1 AS n, cl.spans AS closed_spans,
           CASE WHEN r.by_seat AND NOT b.takes_whole_room THEN b.attendees ELSE r.capacity END
               AS seats
    FROM {booking} AS b
    JOIN rooms AS r ON r.id = b.room_id
    LEFT JOIN closed AS cl ON cl.room_id = r.id
    WHERE b.status IN (%(confirmed)s, %(released)s)
      AND b.start < %(until)s AND b."end" > %(since)s
    UNION ALL
    -- The later days of the few bookings that run past local midnight.
    SELECT b.id, b.room_id, r.location_id, r.capacity, b.status, b.start, b."end",
           d::date, n + 1, cl.spans,
           CASE WHEN r.by_seat AND NOT b.takes_whole_room THEN b.attendees ELSE r.capacity END
    FROM {booking} AS b
    JOIN rooms AS r ON r.id = b.room_id
    LEFT JOIN closed AS cl ON cl.room_id = r.id
    CROSS JOIN LATERAL generate_series(
        (b.start AT TIME ZONE %(tz)s)::date + 1, (b."end" AT TIME ZONE %(tz)s)::date,
        interval '1 day'
    ) WITH ORDINALITY AS g(d, n)
    WHERE b.status IN (%(confirmed)s, %(released)s)
      AND b.start < %(until)s AND b."end" > %(since)s
      -- Local midnight is 22:00 or 23:00 UTC (the session's zone): a cheap test first.
      AND ((b."end" - b.start) >= interval '1 day'
           OR (b.start + interval '2 hours')::date
              <> (b."end" + interval '2 hours' - interval '1 microsecond')::date
           OR (b.start + interval '1 hour')::date
              <> (b."end" + interval '1 hour' - interval '1 microsecond')::date)
      AND (b."end" AT TIME ZONE %(tz)s)::date > (b.start AT TIME ZONE %(tz)s)::date
),
-- Each booking cut to the day's opening hours, less the room's closures.
pieces AS (
    SELECT bd.id, bd.room_id, o.bucket, bd.status, bd.seats, bd.capacity,
           -- The booking's first day in the period: where it is counted once.
           bd.n = 1 OR bd.day = o.first_day AS first_piece,
           -- Most days no closure touches: a plain range intersection; else a multirange.
           tstzrange(bd.start, bd."end") * o.span AS simple,
           CASE WHEN bd.closed_spans && o.span THEN
               (tstzmultirange(o.span) - bd.closed_spans)
               * tstzmultirange(tstzrange(bd.start, bd."end"))
           END AS spans
    FROM booking_days AS bd
    JOIN opening AS o ON o.location_id = bd.location_id AND o.day = bd.day
)"""

# date_part, not extract: extract gives numeric, whose arithmetic cost a third of the report.
_SECONDS = "(SELECT coalesce(sum(date_part('epoch', upper(x) - lower(x))), 0) FROM unnest({}) AS x)"
_PIECE_SECONDS = (
    "CASE WHEN spans IS NULL THEN coalesce(date_part('epoch', upper(simple) - lower(simple)), 0)"
    " ELSE " + _SECONDS.format("spans") + " END"
)

_ROOM_FIGURES_SQL = """
WITH {open_time},
location_open AS (
    SELECT location_id, bucket, sum(date_part('epoch', upper(span) - lower(span))) AS seconds
    FROM opening GROUP BY 1, 2
),
room_closed AS (
    SELECT room_id, bucket, sum({closed_seconds}) AS seconds FROM closed_open GROUP BY 1, 2
),
booked AS (
    SELECT room_id, bucket,
           count(*) FILTER (WHERE status = %(confirmed)s AND first_piece) AS bookings,
           sum(seats * {piece_seconds}) FILTER (WHERE status = %(confirmed)s) AS seat_seconds,
           count(*) FILTER (WHERE status = %(released)s AND first_piece) AS released,
           sum(seats * {piece_seconds}) FILTER (WHERE status = %(released)s)
               AS released_seat_seconds
    FROM pieces GROUP BY 1, 2
)
SELECT r.id, p.bucket, room.slug, room.name, room.kind, r.capacity, r.by_seat,
       l.slug, l.name, coalesce(o.seconds, 0) - coalesce(c.seconds, 0), coalesce(b.bookings, 0),
       coalesce(b.seat_seconds, 0), coalesce(b.released, 0),
       coalesce(b.released_seat_seconds, 0)
FROM rooms AS r CROSS JOIN periods AS p
JOIN {room} AS room ON room.id = r.id
JOIN {location} AS l ON l.id = r.location_id
LEFT JOIN location_open AS o ON o.location_id = r.location_id AND o.bucket = p.bucket
LEFT JOIN room_closed AS c ON c.room_id = r.id AND c.bucket = p.bucket
LEFT JOIN booked AS b ON b.room_id = r.id AND b.bucket = p.bucket
ORDER BY l.name, room.name, r.id, p.bucket
"""

# Open and booked room-hours per local weekday and hour. Open time is counted per location
# and day, times its rooms, less what closures take: far fewer rows than per room and hour.
_HEAT_MAP_SQL = """
WITH {open_time},
room_count AS (SELECT location_id, count(*) AS rooms FROM rooms GROUP BY 1),
weighted AS (
    SELECT o.span AS piece, rc.rooms::float AS weight
    FROM opening AS o JOIN room_count AS rc ON rc.location_id = o.location_id
    UNION ALL
    SELECT x, -1 FROM closed_open, unnest(spans) AS x
),
booked AS (
    SELECT x AS piece, pieces.seats::float / pieces.capacity AS weight
    FROM pieces, unnest(coalesce(pieces.spans, tstzmultirange(pieces.simple))) AS x
    WHERE pieces.status = %(confirmed)s
),
hours AS (
    SELECT 'open' AS what, piece, weight FROM weighted
    UNION ALL SELECT 'booked', piece, weight FROM booked
)
SELECT what, extract(isodow FROM h AT TIME ZONE %(tz)s)::int - 1,
       extract(hour FROM h AT TIME ZONE %(tz)s)::int,
       sum(weight * date_part('epoch', least(upper(piece), h + interval '1 hour')
                                       - greatest(lower(piece), h)))
FROM hours CROSS JOIN LATERAL generate_series(
    date_trunc('hour', lower(piece)), upper(piece) - interval '1 microsecond', interval '1 hour'
) AS h
GROUP BY 1, 2, 3
"""


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    return {
        "room": quote(Room._meta.db_table),
        "location": quote(Location._meta.db_table),
        "hours": quote(OpeningHours._meta.db_table),
        "closure": quote(Closure._meta.db_table),
        "booking": quote(Booking._meta.db_table),
    }


def _statement(template: str) -> str:
    open_time = _OPEN_TIME.format(
        opens=_WALL_TIME.format(day="d.day", at="h.opens"),
        closes=_WALL_TIME.format(day="d.day", at="h.closes"),
        **_tables(),
    )
    return template.format(
        open_time=open_time,
        closed_seconds=_SECONDS.format("spans"),
        piece_seconds=_PIECE_SECONDS,
        **_tables(),
    ).replace("%(seats)s", f"'{BookingMode.SEATS.value}'")


# The planner cannot tell how many rows the day-by-day joins give. On its estimates it
# compiled the statement first (JIT), which cost more than running it, and looked up each
# booking's day in the opening hours by a nested loop (each booking times every room-day):
# both off, so bookings meet their days by hash. Sent in the same round trip, for this
# statement's implicit transaction only.
NO_JIT = "SET LOCAL jit = off;\n"

# Built once at import (names from the models), outside any function.
ROOM_FIGURES_SQL = _statement(_ROOM_FIGURES_SQL)
HEAT_MAP_SQL = _statement(_HEAT_MAP_SQL)


def fetch_all(sql: str, parameters: dict) -> list[tuple]:
    """Rows of `sql`, run without JIT, in one round trip."""
    # Several statements in one string run as one implicit transaction, so SET LOCAL holds
    # for the report (and ends with it) outside a transaction too.
    with connection.cursor() as cursor:
        cursor.execute(NO_JIT + sql, parameters)
        while cursor.nextset():  # past the SETs to the report's rows
            pass
        return cursor.fetchall()


def _parameters(periods: list[Period], locations=(), kinds=()) -> dict:
    return {
        "firsts": [p.first for p in periods],
        "lasts": [p.last for p in periods],
        "first_day": min(p.first for p in periods),
        "last_day": max(p.last for p in periods),
        "since": min(p.since for p in periods),
        "until": max(p.until for p in periods),
        "tz": str(LOCAL_TZ),
        "confirmed": BookingStatus.CONFIRMED,
        "released": BookingStatus.RELEASED,
        "locations": list(locations),
        "kinds": list(kinds),
    }


@dataclass
class Figures:
    """Seconds added up for a room, or for a group of rooms."""

    open_seconds: float = 0
    # Confirmed bookings within open time; a booking of some of a shared room's seats
    # counts that share of its time.
    booked_seconds: float = 0
    bookings: int = 0
    released: int = 0
    released_seconds: float = 0
    # Of seats rooms only: seat-hours booked, and seat-hours open (open time x seats).
    seat_seconds: float = 0
    seat_capacity_seconds: float = 0

    def add(self, other: "Figures") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def open_hours(self) -> float:
        return self.open_seconds / 3600

    @property
    def booked_hours(self) -> float:
        return self.booked_seconds / 3600

    @property
    def released_hours(self) -> float:
        return self.released_seconds / 3600

    @property
    def occupancy(self) -> float:
        return self.booked_seconds / self.open_seconds if self.open_seconds else 0.0


@dataclass
class RoomFigures:
    room_id: int
    bucket: int  # which of the periods asked for, from 1
    slug: str
    name: str
    kind: str
    capacity: int
    by_seat: bool
    location_slug: str
    location_name: str
    figures: Figures = field(default_factory=Figures)


def room_figures(periods: list[Period], *, locations=(), kinds=()) -> list[RoomFigures]:
    """Each room's figures in each of `periods`, in one query: active rooms, and inactive
    ones that were booked then. `locations` (ids) and `kinds` narrow the rooms."""
    rows = fetch_all(ROOM_FIGURES_SQL, _parameters(periods, locations, kinds))
    result = []
    for row in rows:
        (room_id, bucket, slug, name, kind, capacity, by_seat, location_slug, location_name) = row[
            :9
        ]
        open_seconds, bookings, seat_seconds, released, released_seat_seconds = (
            float(row[9]),
            row[10],
            float(row[11]),
            row[12],
            float(row[13]),
        )
        figures = Figures(
            open_seconds=open_seconds,
            booked_seconds=seat_seconds / capacity,
            bookings=bookings,
            released=released,
            released_seconds=released_seat_seconds / capacity,
            seat_seconds=seat_seconds if by_seat else 0,
            seat_capacity_seconds=open_seconds * capacity if by_seat else 0,
        )
        result.append(
            RoomFigures(
                room_id,
                bucket,
                slug,
                name,
                kind,
                capacity,
                by_seat,
                location_slug,
                location_name,
                figures,
            )
        )
    return result


@dataclass
class Row:
    key: str
    label: str
    figures: Figures
    rooms: int = 0

    def as_dict(self) -> dict:
        figures = self.figures
        return {
            "key": self.key,
            "label": self.label,
            "open_hours": round(figures.open_hours, 2),
            "booked_hours": round(figures.booked_hours, 2),
            "occupancy": round(figures.occupancy, 4),
            "bookings": figures.bookings,
            "released_bookings": figures.released,
            "released_hours": round(figures.released_hours, 2),
            "seat_hours": round(figures.seat_seconds / 3600, 2),
            "seat_capacity_hours": round(figures.seat_capacity_seconds / 3600, 2),
        }


# The columns of a row, in the order of the downloads.
COLUMNS = (
    "key",
    "label",
    "open_hours",
    "booked_hours",
    "occupancy",
    "bookings",
    "released_bookings",
    "released_hours",
    "seat_hours",
    "seat_capacity_hours",
)


def group(rooms: list[RoomFigures], group_by: str) -> list[Row]:
    """Rooms added up per room, location or kind of room, in a stable order."""
    kind_labels = dict(RoomKind.choices)
    rows: dict[str, Row] = {}
    for room in rooms:
        if group_by == "room":
            key, label = room.slug, room.name
        elif group_by == "location":
            key, label = room.location_slug, room.location_name
        else:
            key, label = room.kind, str(kind_labels.get(room.kind, room.kind))
        row = rows.setdefault(key, Row(key, label, Figures()))
        row.figures.add(room.figures)
        row.rooms += 1
    ordered = list(rows.values())
    if group_by == "kind":
        ordered.sort(key=lambda row: row.label)
    return ordered


def total(rooms: list[RoomFigures]) -> Row:
    figures = Figures()
    for room in rooms:
        figures.add(room.figures)
    return Row("total", _("All rooms"), figures, len(rooms))


def occupancy_rows(period: Period, group_by: str) -> list[Row]:
    return group(room_figures([period]), group_by)


def peak_and_idle(rooms: list[RoomFigures], count: int = PEAK_AND_IDLE):
    """The busiest and the quietest rooms that were open at all."""
    opened = [room for room in rooms if room.figures.open_seconds]
    ranked = sorted(opened, key=lambda room: (-room.figures.occupancy, room.name))
    peak = ranked[:count]
    idle = [room for room in reversed(ranked) if room not in peak][:count]
    return peak, idle


@dataclass(frozen=True)
class HeatMap:
    """Occupancy per local weekday (Monday 0) and hour: booked over open room-hours."""

    open_hours: dict[tuple[int, int], float]
    booked_hours: dict[tuple[int, int], float]

    @property
    def hours(self) -> list[int]:
        """The hours of the day some room is open, first to last."""
        opened = sorted({hour for (_day, hour), value in self.open_hours.items() if value > 0})
        return list(range(opened[0], opened[-1] + 1)) if opened else []

    def occupancy(self, weekday: int, hour: int) -> float | None:
        opened = self.open_hours.get((weekday, hour), 0)
        if opened <= 1e-9:
            return None
        return self.booked_hours.get((weekday, hour), 0) / opened


def heat_map(period: Period, *, locations=(), kinds=()) -> HeatMap:
    rows = fetch_all(HEAT_MAP_SQL, _parameters([period], locations, kinds))
    cells: dict[str, dict] = defaultdict(dict)
    for what, weekday, hour, seconds in rows:
        cells[what][(weekday, hour)] = float(seconds) / 3600
    return HeatMap(open_hours=cells["open"], booked_hours=cells["booked"])
