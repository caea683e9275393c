"""Every write to bookings, by topic: one booking (`bookings`), a series (`series`), many
slots held at once for an event's schedule (`holds`), and the facility managers' locations,
rooms and closures (`facilities`). Views, the API, the admin, commands and events' sessions
call these; nothing else writes.
"""

from booking.services.bookings import (
    OVERLAP_CONSTRAINT,
    approve_booking,
    cancel_booking,
    create_booking,
    decline_booking,
    lock_room,
    move_booking,
    rearranging,
)
from booking.services.holds import Hold, HoldsRefused, hold_rooms
from booking.services.series import cancel_following, create_series, move_following

__all__ = [
    "OVERLAP_CONSTRAINT",
    "Hold",
    "HoldsRefused",
    "approve_booking",
    "cancel_booking",
    "cancel_following",
    "create_booking",
    "create_series",
    "decline_booking",
    "hold_rooms",
    "lock_room",
    "move_booking",
    "move_following",
    "rearranging",
]
