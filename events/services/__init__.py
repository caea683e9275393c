"""Every write to events, by topic: registrations, programmes and events, sessions,
attendance, owners. Views, the API, the admin and commands call these and nothing else writes.
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
from events.services.owners import (
    OWNER_INVITATION,
    OwnerAdded,
    add_event_owner,
    add_programme_owner,
    claim_owner_invitations,
    remove_event_owner,
    remove_programme_owner,
    withdraw_owner_invitation,
)
from events.services.registrations import (
    cancel_registration,
    event_start,
    register_for_event,
    registration_is_open,
)
from events.services.roles import (
    require_event_manager,
    require_organiser,
    require_programme_manager,
)
from events.services.sessions import (
    SessionSpec,
    add_session,
    cancel_session,
    move_session,
)
from events.services.year_plan import record_target, remove_target

__all__ = [
    "CALENDAR_FIELDS",
    "EVENT_FIELDS",
    "OWNER_INVITATION",
    "PROGRAMME_FIELDS",
    "OwnerAdded",
    "SessionSpec",
    "add_event_owner",
    "add_programme_owner",
    "add_session",
    "cancel_registration",
    "cancel_session",
    "claim_owner_invitations",
    "create_event",
    "create_programme",
    "event_start",
    "move_session",
    "record_target",
    "register_for_event",
    "registration_is_open",
    "remove_event_owner",
    "remove_programme_owner",
    "remove_target",
    "require_event_manager",
    "require_organiser",
    "require_programme_manager",
    "set_attendance",
    "update_event",
    "update_programme",
    "withdraw_owner_invitation",
]
