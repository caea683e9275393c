"""A room's week as rows of free and busy time, for a page that needs no JavaScript."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from booking import daygrid, intervals
from booking.selectors import Availability
from booking.timezones import LOCAL_TZ


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    busy: bool
    left: float  # percent of the day's bar
    width: float
    # Free, and what it offers the booking form under the room's rules (daygrid.offer).
    offered: tuple[datetime, datetime] | None
    closed_because: str | None  # busy because of a closure, with its reason


@dataclass(frozen=True)
class Day:
    date: date
    segments: list[Segment]

    @property
    def is_closed(self) -> bool:
        return not self.segments


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_span(monday: date) -> tuple[datetime, datetime]:
    start = datetime.combine(monday, time(0)).replace(tzinfo=LOCAL_TZ)
    end = datetime.combine(monday + timedelta(days=7), time(0)).replace(tzinfo=LOCAL_TZ)
    return start, end


def build_week(availability: Availability, monday: date) -> list[Day]:
    now = timezone.now()
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        # Midnight to midnight in Amsterdam: 23 or 25 hours on the days the clocks change.
        bounds = (
            datetime.combine(day, time(0), LOCAL_TZ),
            datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ),
        )
        opened = intervals.intersect(availability.open, [bounds])
        if not opened:
            days.append(Day(day, []))
            continue
        bar_start, bar_end = opened[0][0], opened[-1][1]
        length = (bar_end - bar_start).total_seconds()
        pieces = [(s, e, True) for s, e in intervals.intersect(availability.busy, [bounds])]
        pieces += [(s, e, False) for s, e in intervals.intersect(availability.free, [bounds])]
        segments = [
            Segment(
                start=timezone.localtime(s, LOCAL_TZ),
                end=timezone.localtime(e, LOCAL_TZ),
                busy=busy,
                left=round(100 * (s - bar_start).total_seconds() / length, 3),
                width=round(100 * (e - s).total_seconds() / length, 3),
                offered=None if busy else daygrid.offer(availability.room, s, e, now),
                closed_because=availability.closure_reason(s, e) if busy else None,
            )
            for s, e, busy in sorted(pieces)
        ]
        days.append(Day(day, segments))
    return days
