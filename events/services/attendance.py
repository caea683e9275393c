"""Attendance: organisers check confirmed people in at a session, or undo it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.errors import RegistrationError
from events.models import (
    Attendance,
    Registration,
    RegistrationStatus,
    Session,
)
from events.services.roles import require_event_manager


def set_attendance(
    *, actor, registration: Registration, session: Session, present: bool
) -> Attendance | None:
    """Check a confirmed person in at one session (or undo it)."""
    require_event_manager(actor, registration.event)
    if session.event_id != registration.event_id:
        raise RegistrationError(_("That session belongs to another event."), field="session")
    if registration.status != RegistrationStatus.CONFIRMED:
        raise RegistrationError(
            _("Only confirmed registrations can be checked in."), code="conflict"
        )
    with transaction.atomic():
        if not present:
            Attendance.objects.filter(registration=registration, session=session).delete()
            return None
        attendance, _created = Attendance.objects.get_or_create(
            registration=registration,
            session=session,
            defaults={"checked_in_at": timezone.now(), "checked_in_by": actor},
        )
    return attendance
