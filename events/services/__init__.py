"""Every write to events, by topic: registrations, programmes and events, sessions,
attendance. Views, the API, the admin and commands call these and nothing else writes.
"""

from events.services.attendance import set_attendance
from events.services.events import (
    CALENDAR_FIELDS,
    EVENT_FIELDS,
    PROGRAMME_FIELDS,
    create_event,
    create_programme,
    update_event,
    update_programme,
)
from events.services.registrations import (
    cancel_registration,
    event_start,
    register_for_event,
    registration_is_open,
)
from events.services.roles import require_organiser
from events.services.sessions import (
    SessionSpec,
    add_session,
    cancel_session,
    move_session,
)

__all__ = [
    "CALENDAR_FIELDS",
    "EVENT_FIELDS",
    "PROGRAMME_FIELDS",
    "SessionSpec",
    "add_session",
    "cancel_registration",
    "cancel_session",
    "create_event",
    "create_programme",
    "event_start",
    "move_session",
    "register_for_event",
    "registration_is_open",
    "require_organiser",
    "set_attendance",
    "update_event",
    "update_programme",
]
