"""Who may write programmes, events, sessions and attendance (see events.ownership)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from events.errors import RegistrationError
from events.ownership import may_create_events, may_manage_event, may_manage_programme


def require_organiser(actor) -> None:
    """Creating events and programmes: event organisers and administrators."""
    if not may_create_events(actor):
        raise RegistrationError(_("Only event organisers may do this."), code="forbidden")


def require_event_manager(actor, event) -> None:
    """Changing an event, its sessions, registrations and attendance: who manages it."""
    if not may_manage_event(actor, event):
        raise RegistrationError(
            _("Only the owners of this event or its programme may do this."),
            code="forbidden",
        )


def require_programme_manager(actor, programme) -> None:
    if not may_manage_programme(actor, programme):
        raise RegistrationError(
            _("Only the owners of this programme may do this."),
            code="forbidden",
        )
