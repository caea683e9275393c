"""What to offer someone whose booking was refused for a clash: the nearest free times of
the same length in that room, and other rooms free at the time they asked for."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from booking import daygrid, selectors
from booking.models import Room

HOW_MANY = 3
# Free times are looked for this far either side of the refused start.
SEARCH_DAYS = 3


@dataclass(frozen=True)
class Slot:
    room: Room
    start: datetime  # Amsterdam time
    end: datetime


def nearest_free_times(room: Room, start: datetime, end: datetime, now: datetime) -> list[Slot]:
    """Up to three free times of the same length in `room`, nearest to `start` first, each
    one the room's rules accept (notice, window)."""
    length = end.astimezone(UTC) - start.astimezone(UTC)
    span = (max(start - timedelta(days=SEARCH_DAYS), now), start + timedelta(days=SEARCH_DAYS))
    availability = selectors.room_availability(room, *span)
    candidates = []
    for free_start, free_end in availability.free:
        offered = daygrid.offer(room, free_start, free_end, now)
        if offered is None:
            continue
        # The free time nearest to the asked start: as close after its beginning as it can be.
        first = offered[0].astimezone(UTC)
        last = free_end - length
        if last < first:
            continue
        best = min(max(start.astimezone(UTC), first), last)
        candidates.append(best)
    candidates.sort(key=lambda moment: abs(moment - start.astimezone(UTC)))
    return [
        Slot(room, daygrid.local(moment), daygrid.local(moment + length))
        for moment in candidates[:HOW_MANY]
    ]


def other_free_rooms(user, room: Room, start: datetime, end: datetime, attendees: int):
    """Up to three other rooms of the same location and kind, then any location, that the
    person may book and that are free for all of [start, end)."""
    found = selectors.search_rooms(
        user=user, capacity=attendees, free_from=start, free_until=end
    ).exclude(pk=room.pk)
    ordered = sorted(
        found[: HOW_MANY * 5],
        key=lambda other: (other.location_id != room.location_id, other.kind != room.kind),
    )
    return [Slot(other, daygrid.local(start), daygrid.local(end)) for other in ordered[:HOW_MANY]]
