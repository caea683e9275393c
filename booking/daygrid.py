"""A location's rooms on one day, hour by hour, for a page that needs no JavaScript."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from booking import intervals, rules
from booking.models import BookingMode, Room
from booking.selectors import Availability
from booking.timezones import LOCAL_TZ

FREE = "free"
OUT_OF_WINDOW = "window"  # free, but too soon (notice) or too far ahead to book
PARTLY_FREE = "partly"
BUSY = "busy"
CLOSURE = "closure"  # busy because the room or location is closed then
CLOSED = "closed"
OVER = "over"


@dataclass(frozen=True)
class Cell:
    start: datetime  # Amsterdam time
    end: datetime
    state: str  # FREE (the whole hour, to come, bookable then), OUT_OF_WINDOW, PARTLY_FREE,
    # BUSY, CLOSURE, CLOSED (outside opening hours) or OVER
    closed_because: str  # CLOSURE's reason
    offered_end: datetime  # the end the booking form is offered: a length the room allows
    seats_left: int | None = None  # FREE or PARTLY_FREE in a seats room: the fewest left


@dataclass(frozen=True)
class FreeSpan:
    start: datetime  # Amsterdam time
    end: datetime
    offered_end: datetime  # the end the booking form is offered: a length the room allows
    seats_left: int | None = None  # in a seats room: the fewest left in the span


@dataclass(frozen=True)
class Row:
    room: Room
    cells: list[Cell]
    # Free time that can still be booked, whole spans: the list shown on a phone.
    free: list[FreeSpan]
    bookable: bool  # by the person looking (a visitor: yes, once signed in)


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


def build_grid(
    availabilities: list[Availability], day: date, now: datetime, bookable_ids: set[int] | None
):
    """The hour columns of the day and a row per room. `bookable_ids`: the rooms the person
    may book (None for a visitor, who is asked to sign in at the form)."""
    start, end = day_span(day)
    open_spans = availabilities[0].open if availabilities else []
    columns = hours_of(intervals.intersect(open_spans, [(start, end)]))
    rows = []
    for availability in availabilities:
        room = availability.room
        rows.append(
            Row(
                room=room,
                cells=[_cell(availability, hour, now) for hour in columns],
                free=_free_spans(availability, (start, end), now),
                bookable=bookable_ids is None or room.pk in bookable_ids,
            )
        )
    return columns, rows


def offered_length(room: Room) -> timedelta:
    """What a free slot offers the booking form: an hour, or the room's minimum if longer."""
    return max(timedelta(hours=1), timedelta(minutes=room.min_duration_minutes))


def local(moment: datetime) -> datetime:
    return timezone.localtime(moment, LOCAL_TZ)


def offer(room: Room, start: datetime, end: datetime, now: datetime):
    """What a free span [start, end) offers the booking form, as (start, end) in Amsterdam
    time, or None: from no sooner than the notice (rounded up to the quarter hour: a form
    offered 13:07 looks like a mistake), within the window, for an hour or the room's
    minimum, and only if that fits."""
    earliest = local(now + timedelta(minutes=room.min_notice_minutes))
    earliest = earliest.replace(second=0, microsecond=0)
    earliest += timedelta(minutes=-earliest.minute % 15)
    start = max(start.astimezone(UTC), earliest.astimezone(UTC))
    too_short = end - start < timedelta(minutes=room.min_duration_minutes)
    if too_short or rules.timing_problem(room, start, now):
        return None
    return local(start), local(min(end, start + offered_length(room)))


def _free_spans(availability: Availability, day: intervals.Interval, now: datetime):
    """The free time of the day that the room's rules let be booked from now."""
    spans = []
    for start, end in intervals.intersect(availability.free, [day]):
        offered = offer(availability.room, start, end, now)
        if offered is not None:
            left = _seats_left(availability, offered[0], end)
            spans.append(FreeSpan(offered[0], local(end), offered[1], left))
    return spans


def _seats_left(availability: Availability, start: datetime, end: datetime) -> int | None:
    if availability.room.booking_mode != BookingMode.SEATS:
        return None
    return availability.fewest_seats_left(start, end)


def _cell(availability: Availability, hour: intervals.Interval, now: datetime) -> Cell:
    room = availability.room
    start, end = hour
    if not intervals.intersect(availability.open, [hour]):
        state = CLOSED
    elif end <= now:
        state = OVER
    elif start >= now and intervals.covers(availability.free, hour):
        state = OUT_OF_WINDOW if rules.timing_problem(room, start, now) else FREE
    elif intervals.intersect(availability.free, [(max(start, now), end)]):
        state = PARTLY_FREE
    else:
        state = BUSY
    reason = availability.closure_reason(start, end) if state == BUSY else None
    offered_end = local(start.astimezone(UTC) + offered_length(room))
    free_part = (max(start, now), end) if state == PARTLY_FREE else hour
    return Cell(
        start=start,
        end=end,
        state=CLOSURE if reason is not None else state,
        closed_because=reason or "",
        offered_end=offered_end,
        seats_left=_seats_left(availability, *free_part) if state in (FREE, PARTLY_FREE) else None,
    )
