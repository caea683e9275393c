"""Seats in a shared room, counted over time. Pure functions: no request, no ORM.

A booking of a seats room holds its seats from its start until its end plus the room's
buffer (what the exclusion constraint holds for a whole room). The load of the room at an
instant is the sum of the seats of the bookings holding then; it changes only where one
starts or stops, so a span is a few segments of constant load.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

# (from, until, seats): a booking's seats held over [from, until).
Hold = tuple[datetime, datetime, int]
# (from, until, load): the seats taken over [from, until).
Segment = tuple[datetime, datetime, int]


def load_segments(holds: Iterable[Hold], span: tuple[datetime, datetime]) -> list[Segment]:
    """The load over `span` in segments of constant load, in UTC, together covering `span`;
    neighbours with the same load are merged."""
    start, end = span[0].astimezone(UTC), span[1].astimezone(UTC)
    if start >= end:
        return []
    changes: dict[datetime, int] = {start: 0}
    for since, until, seats in holds:
        since, until = max(since.astimezone(UTC), start), min(until.astimezone(UTC), end)
        if since >= until:
            continue
        changes[since] = changes.get(since, 0) + seats
        changes[until] = changes.get(until, 0) - seats
    segments: list[Segment] = []
    load = 0
    moments = sorted(changes)
    for moment, following in zip(moments, [*moments[1:], end], strict=True):
        load += changes[moment]
        if moment >= end or moment == following:
            continue
        if segments and segments[-1][2] == load:
            segments[-1] = (segments[-1][0], following, load)
        else:
            segments.append((moment, following, load))
    return segments


def short_spans(
    holds: Iterable[Hold], span: tuple[datetime, datetime], capacity: int, wanted: int
) -> list[Segment]:
    """The segments of `span` with fewer than `wanted` seats left, as (from, until, seats
    left), neighbours merged."""
    short: list[Segment] = []
    for since, until, load in load_segments(holds, span):
        left = max(capacity - load, 0)
        if left >= wanted:
            continue
        if short and short[-1][1] == since:
            short[-1] = (short[-1][0], until, min(short[-1][2], left))
        else:
            short.append((since, until, left))
    return short


def seats_left(
    holds: Iterable[Hold], spans: Iterable[tuple[datetime, datetime]], capacity: int
) -> list[Segment]:
    """Each of `spans` split where the seats left change, as (from, until, seats left),
    leaving out the time with no seat left."""
    holds = list(holds)
    result: list[Segment] = []
    for span in spans:
        for since, until, load in load_segments(holds, span):
            if load < capacity:
                result.append((since, until, capacity - load))
    return result
