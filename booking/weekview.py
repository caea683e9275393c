"""A room's week as rows of free and busy time, for a page that needs no JavaScript."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from booking import daygrid, intervals
from booking.models import BookingMode
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
    seats_left: int | None = None  # free in a seats room: the seats left all along


@dataclass(frozen=True)
class Tick:
    label: str  # the local hour, "09"
    left: float  # percent of the day's bar


@dataclass(frozen=True)
class Day:
    date: date
    segments: list[Segment]
    # The hour scale under the day's bar: whole local hours from opening to closing.
    ticks: tuple[Tick, ...] = ()

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
        pieces = [(s, e, True, None) for s, e in intervals.intersect(availability.busy, [bounds])]
        seats_room = availability.room.booking_mode == BookingMode.SEATS
        for since, until, left in availability.seats_left:
            for s, e in intervals.intersect([(since, until)], [bounds]):
                pieces.append((s, e, False, left if seats_room else None))
        segments = [
            Segment(
                start=timezone.localtime(s, LOCAL_TZ),
                end=timezone.localtime(e, LOCAL_TZ),
                busy=busy,
                left=round(100 * (s - bar_start).total_seconds() / length, 3),
                width=round(100 * (e - s).total_seconds() / length, 3),
                offered=None if busy else daygrid.offer(availability.room, s, e, now),
                closed_because=availability.closure_reason(s, e) if busy else None,
                seats_left=left,
            )
            for s, e, busy, left in sorted(pieces, key=lambda piece: piece[:2])
        ]
        days.append(Day(day, segments, hour_ticks(bar_start, bar_end)))
    return days


def hour_ticks(bar_start: datetime, bar_end: datetime) -> tuple[Tick, ...]:
    """Every whole hour in [bar_start, bar_end] (every other one on a long day, so labels
    never crowd a phone's width), placed by real elapsed time: on the days the clocks
    change, the hour that repeats or goes missing shows as it happens."""
    # In UTC: two times in the same zone subtract as wall clock times, which on the day the
    # clocks change is an hour off.
    bar_start, bar_end = bar_start.astimezone(UTC), bar_end.astimezone(UTC)
    length = (bar_end - bar_start).total_seconds()
    step = timedelta(hours=1 if length <= 12 * 3600 else 2)
    first = bar_start.astimezone(LOCAL_TZ)
    if first.minute or first.second or first.microsecond:
        first = first.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    # Stepping in UTC counts real hours; the labels are read in local time.
    moment = first.astimezone(tz=UTC)
    ticks = []
    while moment <= bar_end:
        ticks.append(
            Tick(
                label=moment.astimezone(LOCAL_TZ).strftime("%H"),
                left=round(100 * (moment - bar_start).total_seconds() / length, 3),
            )
        )
        moment += step
    return tuple(ticks)
