"""A location's rooms on one day, hour by hour, for a page that needs no JavaScript."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from booking import intervals
from booking.models import Room
from booking.selectors import Availability
from booking.timezones import LOCAL_TZ

FREE = "free"
PARTLY_FREE = "partly"
BUSY = "busy"
CLOSED = "closed"
OVER = "over"


@dataclass(frozen=True)
class Cell:
    start: datetime  # Amsterdam time
    end: datetime
    state: str  # FREE (the whole hour, still to come), PARTLY_FREE, BUSY, CLOSED or OVER


@dataclass(frozen=True)
class FreeSpan:
    start: datetime  # Amsterdam time
    end: datetime
    first_hour_end: datetime  # what the booking form is offered: an hour, or less if shorter


@dataclass(frozen=True)
class Row:
    room: Room
    cells: list[Cell]
    # Free time still to come, whole spans: the list shown on a phone.
    free: list[FreeSpan]


def day_span(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight in Amsterdam: 23 or 25 hours on the days the clocks change."""
    return (
        datetime.combine(day, time(0), LOCAL_TZ),
        datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ),
    )


def hours_of(open_spans: list[intervals.Interval]) -> list[intervals.Interval]:
    """Whole clock hours from the first opening to the last closing of the day (local)."""
    if not open_spans:
        return []
    first = timezone.localtime(open_spans[0][0], LOCAL_TZ)
    last = timezone.localtime(open_spans[-1][1], LOCAL_TZ)
    hour = first.replace(minute=0, second=0, microsecond=0)
    columns = []
    while hour < last:
        # A real hour later (in UTC): the autumn's repeated hour is a column of its own.
        following = timezone.localtime(hour.astimezone(UTC) + timedelta(hours=1), LOCAL_TZ)
        columns.append((hour, following))
        hour = following
    return columns


def build_grid(availabilities: list[Availability], day: date, now: datetime):
    """The hour columns of the day and a row per room."""
    start, end = day_span(day)
    open_spans = availabilities[0].open if availabilities else []
    columns = hours_of(intervals.intersect(open_spans, [(start, end)]))
    rows = []
    for availability in availabilities:
        cells = [_cell(availability, hour, now) for hour in columns]
        to_come = intervals.subtract(availability.free, [(start, max(now, start))])
        free = [
            FreeSpan(
                start=timezone.localtime(s, LOCAL_TZ),
                end=timezone.localtime(e, LOCAL_TZ),
                first_hour_end=timezone.localtime(min(e, s + timedelta(hours=1)), LOCAL_TZ),
            )
            for s, e in intervals.intersect(to_come, [(start, end)])
        ]
        rows.append(Row(room=availability.room, cells=cells, free=free))
    return columns, rows


def _cell(availability: Availability, hour: intervals.Interval, now: datetime) -> Cell:
    start, end = hour
    if not intervals.intersect(availability.open, [hour]):
        state = CLOSED
    elif end <= now:
        state = OVER
    elif start >= now and intervals.covers(availability.free, hour):
        state = FREE
    elif intervals.intersect(availability.free, [(max(start, now), end)]):
        state = PARTLY_FREE
    else:
        state = BUSY
    return Cell(start=start, end=end, state=state)
