"""Interval arithmetic on half-open [start, end) spans of aware datetimes. Pure functions.

Opening hours are Amsterdam wall-clock times; they become real instants here, one local
date at a time, so a day on which the clocks change is 23 or 25 hours long as it really is.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]


def normalise(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, in UTC, without empty spans, overlapping or touching spans merged.

    Everything is turned into UTC first: Python compares and subtracts two datetimes that
    share a tzinfo by their wall-clock readings, which is wrong across a clock change.
    """
    in_utc = ((start.astimezone(UTC), end.astimezone(UTC)) for start, end in intervals)
    merged: list[Interval] = []
    for start, end in sorted(i for i in in_utc if i[0] < i[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(base: Iterable[Interval], remove: Iterable[Interval]) -> list[Interval]:
    """What of `base` is not covered by `remove`."""
    result: list[Interval] = []
    holes = normalise(remove)
    for start, end in normalise(base):
        cursor = start
        for hole_start, hole_end in holes:
            if hole_end <= cursor or hole_start >= end:
                continue
            if hole_start > cursor:
                result.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return result


def intersect(first: Iterable[Interval], second: Iterable[Interval]) -> list[Interval]:
    result: list[Interval] = []
    others = normalise(second)
    for start, end in normalise(first):
        for other_start, other_end in others:
            low, high = max(start, other_start), min(end, other_end)
            if low < high:
                result.append((low, high))
    return normalise(result)


def covers(intervals: Iterable[Interval], span: Interval) -> bool:
    """Whether `span` lies wholly inside the union of `intervals`."""
    return not subtract([span], intervals)


def wall_time(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant a wall clock in `tz` shows `at` on `day`.

    An opening time inside the spring gap (02:30 on the last Sunday of March) is read with
    the offset from before the gap, so it lands just after it: the door opens when the clock
    first shows a later time. In the autumn repeat the first occurrence counts.
    """
    return datetime.combine(day, at).replace(tzinfo=tz, fold=0).astimezone(UTC)


def opening_intervals(
    hours: Mapping[int, Sequence[tuple[time, time]]],
    span: Interval,
    tz: ZoneInfo,
) -> list[Interval]:
    """The open time within `span`, from weekly hours keyed by weekday (Monday is 0)."""
    start, end = span[0].astimezone(UTC), span[1].astimezone(UTC)
    if start >= end:
        return []
    first_day = start.astimezone(tz).date() - timedelta(days=1)
    last_day = end.astimezone(tz).date()
    intervals: list[Interval] = []
    day = first_day
    while day <= last_day:
        for opens, closes in hours.get(day.weekday(), ()):
            intervals.append((wall_time(day, opens, tz), wall_time(day, closes, tz)))
        day += timedelta(days=1)
    return intersect(intervals, [span])


def total(intervals: Iterable[Interval]) -> timedelta:
    return sum((end - start for start, end in normalise(intervals)), timedelta())
