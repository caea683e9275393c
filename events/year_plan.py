"""The year plan beside the figures: each target is a measure with a filter for one covenant
half-year; the report shows, per measure and filter (a "line"), target and actual for every
half-year since the covenant began, and the trend.

Each line costs one query for all its half-years (the half-years are a joined array, not a
loop), so the page's query count grows with the number of lines the managers keep, never
with the data.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from booking import reports as occupancy
from booking.models import Booking, BookingStatus, Room
from booking.report_periods import Period, half_year_of, half_years
from events.models import (
    Attendance,
    Event,
    Measure,
    Registration,
    RegistrationStatus,
    Session,
    YearPlanTarget,
)
from events.reports import is_suppressed
from events.services.year_plan import PERCENT_MEASURES

_HALF_YEARS = """
hy AS (
    SELECT n, since, until
    FROM unnest(%(since)s::timestamptz[], %(until)s::timestamptz[])
         WITH ORDINALITY AS p(since, until, n)
)"""

_PEOPLE_BOOKED_SQL = """
WITH {half_years}
SELECT hy.n, count(DISTINCT b.user_id)
FROM {booking} AS b
JOIN {room} AS r ON r.id = b.room_id
JOIN hy ON b.start >= hy.since AND b.start < hy.until
WHERE b.status = %(confirmed_booking)s AND b.user_id IS NOT NULL
  AND (%(affiliation)s = '' OR b.affiliation = %(affiliation)s)
  AND (%(organisation)s::bigint IS NULL OR b.organisation_id = %(organisation)s)
  AND (%(location)s::bigint IS NULL OR r.location_id = %(location)s)
  AND (%(room_kind)s = '' OR r.kind = %(room_kind)s)
GROUP BY hy.n
"""

_EVENT_FILTER = """
  AND (%(event_kind)s = '' OR e.kind = %(event_kind)s)
  AND (%(theme)s = '' OR e.theme = %(theme)s)
  AND (%(programme)s::bigint IS NULL OR e.programme_id = %(programme)s)"""

_SESSIONS_SQL = """
WITH {half_years}
SELECT hy.n, count(*), count(*) FILTER (WHERE s.room_id IS NOT NULL)
FROM {session} AS s
JOIN {event} AS e ON e.id = s.event_id
JOIN hy ON s.start >= hy.since AND s.start < hy.until
WHERE true {event_filter}
GROUP BY hy.n
"""

_REGISTRATIONS_SQL = """
WITH {half_years},
ev AS (
    SELECT DISTINCT hy.n, e.id
    FROM {event} AS e
    JOIN {session} AS s ON s.event_id = e.id
    JOIN hy ON s.start >= hy.since AND s.start < hy.until
    WHERE true {event_filter}
)
SELECT ev.n, count(*),
       count(DISTINCT r.user_id) + count(*) FILTER (WHERE r.user_id IS NULL),
       count(*) FILTER (WHERE EXISTS (
           SELECT FROM {attendance} AS a WHERE a.registration_id = r.id))
FROM ev JOIN {registration} AS r ON r.event_id = ev.id
WHERE r.status = %(confirmed)s
  AND (%(affiliation)s = '' OR r.affiliation = %(affiliation)s)
  AND (%(organisation)s::bigint IS NULL OR r.organisation_id = %(organisation)s)
GROUP BY ev.n
"""


def _statements() -> dict[str, str]:
    quote = connection.ops.quote_name
    names = {
        "half_years": _HALF_YEARS,
        "event_filter": _EVENT_FILTER,
        "booking": quote(Booking._meta.db_table),
        "room": quote(Room._meta.db_table),
        "event": quote(Event._meta.db_table),
        "session": quote(Session._meta.db_table),
        "registration": quote(Registration._meta.db_table),
        "attendance": quote(Attendance._meta.db_table),
    }
    return {
        "people_booked": _PEOPLE_BOOKED_SQL.format(**names),
        "sessions": _SESSIONS_SQL.format(**names),
        "registrations": _REGISTRATIONS_SQL.format(**names),
    }


STATEMENTS = _statements()


@dataclass(frozen=True)
class Filter:
    affiliation: str = ""
    organisation_id: int | None = None
    location_id: int | None = None
    room_kind: str = ""
    event_kind: str = ""
    theme: str = ""
    programme_id: int | None = None

    @classmethod
    def of(cls, target: YearPlanTarget) -> "Filter":
        return cls(
            affiliation=target.affiliation,
            organisation_id=target.organisation_id,
            location_id=target.location_id,
            room_kind=target.room_kind,
            event_kind=target.event_kind,
            theme=target.theme,
            programme_id=target.programme_id,
        )

    @property
    def by_person(self) -> bool:
        return bool(self.affiliation or self.organisation_id)

    def parameters(self) -> dict:
        return {
            "affiliation": self.affiliation,
            "organisation": self.organisation_id,
            "location": self.location_id,
            "room_kind": self.room_kind,
            "event_kind": self.event_kind,
            "theme": self.theme,
            "programme": self.programme_id,
        }


@dataclass
class Actual:
    value: float | None  # None: suppressed (1 to 4 people), or the half-year has not begun
    suppressed: bool = False


def _fetch(sql: str, periods: list[Period], parameters: dict) -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "since": [p.since for p in periods],
                "until": [p.until for p in periods],
                "confirmed": RegistrationStatus.CONFIRMED,
                "confirmed_booking": BookingStatus.CONFIRMED,
                **parameters,
            },
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


def actuals(measure: str, where: Filter, periods: list[Period]) -> list[Actual]:
    """The measure's actual value in each of `periods`, in one query."""
    if not periods:
        return []
    if measure == Measure.OCCUPANCY:
        rooms = occupancy.room_figures(
            periods,
            locations=[where.location_id] if where.location_id else [],
            kinds=[where.room_kind] if where.room_kind else [],
        )
        by_bucket: dict[int, occupancy.Figures] = defaultdict(occupancy.Figures)
        for room in rooms:
            by_bucket[room.bucket].add(room.figures)
        return [Actual(round(by_bucket[n].occupancy * 100, 1)) for n in range(1, len(periods) + 1)]
    parameters = where.parameters()
    if measure == Measure.PEOPLE_BOOKED:
        found = _fetch(STATEMENTS["people_booked"], periods, parameters)
        return [_people(found.get(n, (0,))[0], where) for n in range(1, len(periods) + 1)]
    if measure in (Measure.SESSIONS, Measure.SESSIONS_IN_OUR_ROOMS):
        found = _fetch(STATEMENTS["sessions"], periods, parameters)
        result = []
        for n in range(1, len(periods) + 1):
            held, in_rooms = found.get(n, (0, 0))
            if measure == Measure.SESSIONS:
                result.append(Actual(held))
            else:
                result.append(Actual(round(in_rooms / held * 100, 1) if held else 0.0))
        return result
    found = _fetch(STATEMENTS["registrations"], periods, parameters)
    result = []
    for n in range(1, len(periods) + 1):
        confirmed, people, attended = found.get(n, (0, 0, 0))
        if where.by_person and is_suppressed(people):
            result.append(Actual(None, suppressed=True))
            continue
        value = {Measure.REGISTRATIONS: confirmed, Measure.PARTICIPANTS: people}.get(
            measure, attended
        )
        result.append(Actual(value))
    return result


def _people(count: int, where: Filter) -> Actual:
    if where.by_person and is_suppressed(count):
        return Actual(None, suppressed=True)
    return Actual(count)


@dataclass
class Cell:
    period: Period
    target: Decimal | None
    actual: Actual | None  # None: not begun yet

    @property
    def met(self) -> bool | None:
        if self.target is None or self.actual is None or self.actual.value is None:
            return None
        return Decimal(str(self.actual.value)) >= self.target


@dataclass
class Line:
    measure: str
    measure_label: str
    where: Filter
    description: str
    percent: bool
    cells: list[Cell] = field(default_factory=list)
    targets: list[YearPlanTarget] = field(default_factory=list)

    @property
    def trend(self) -> float | None:
        """The change of the actual value from the previous half-year to the last begun."""
        values = [c.actual.value for c in self.cells if c.actual and c.actual.value is not None]
        return None if len(values) < 2 else round(values[-1] - values[-2], 1)


def describe(target: YearPlanTarget) -> str:
    """The filter in words: "Hogeschool Utrecht, Lab" (the names in the active language)."""
    parts = [
        target.get_affiliation_display() if target.affiliation else "",
        target.organisation.name if target.organisation_id else "",
        target.location.name if target.location_id else "",
        target.get_room_kind_display() if target.room_kind else "",
        target.get_event_kind_display() if target.event_kind else "",
        target.get_theme_display() if target.theme else "",
        target.programme.display_name if target.programme_id else "",
    ]
    return ", ".join(str(part) for part in parts if part)


def lines(today=None) -> tuple[list[Period], list[Line]]:
    """Every half-year from the covenant's start to the last one with a target (or today's),
    and a line per measure and filter with its targets and actuals."""
    today = today or timezone.localdate()
    targets = list(
        YearPlanTarget.objects.select_related("organisation", "location", "programme").order_by(
            "measure", "half_year_start", "id"
        )
    )
    last = max([today, *(t.half_year_start for t in targets)])
    periods = half_years(last)
    begun = [p for p in periods if p.first <= today]
    grouped: dict[tuple, Line] = {}
    for target in targets:
        key = (target.measure, Filter.of(target))
        line = grouped.get(key)
        if line is None:
            line = grouped[key] = Line(
                measure=target.measure,
                measure_label=str(target.get_measure_display()),
                where=key[1],
                description=target.note or describe(target),
                percent=target.measure in PERCENT_MEASURES,
            )
        line.targets.append(target)
    for line in grouped.values():
        found = actuals(line.measure, line.where, begun)
        by_start = {t.half_year_start: t.target for t in line.targets}
        line.cells = [
            Cell(period, by_start.get(period.first), found[i] if i < len(found) else None)
            for i, period in enumerate(periods)
        ]
    return periods, list(grouped.values())


def current_half_year(today=None) -> Period:
    return half_year_of(today or timezone.localdate())
