"""What events holds about a person: export it, or erase it (called by accounts)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from booking.models import Booking
from events.models import Attendance, Registration, RegistrationStatus
from events.selectors import registrations_of_user
from events.services import cancel_registration


def export_user_data(user) -> dict:
    registrations = registrations_of_user(user).prefetch_related("attendances__session")
    return {
        "registrations": [
            {
                "event": registration.event.slug,
                "event_title": registration.event.title,
                "status": registration.status,
                "waitlist_position": registration.waitlist_position,
                "registered_at": registration.created_at.isoformat(),
                "cancelled_at": (
                    registration.cancelled_at.isoformat() if registration.cancelled_at else None
                ),
                "attendance": [
                    {
                        "session_start": attendance.session.start.isoformat(),
                        "checked_in_at": attendance.checked_in_at.isoformat(),
                    }
                    for attendance in registration.attendances.all()
                ],
            }
            for registration in registrations
        ]
    }


def erase_user_data(user) -> None:
    """Cancel the person's future registrations (promoting the waitlist) and detach the rest.

    Past registrations and attendance stay, without the person, so event counts stay true.
    """
    now = timezone.now()
    live = (
        Registration.objects.filter(user=user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .select_related("event")
        .annotate(first_start=Min("event__sessions__start"))
    )
    for registration in live:
        if registration.first_start is None or registration.first_start > now:
            cancel_registration(registration=registration, actor=user)
    with transaction.atomic():
        # The rooms the person booked for sessions belong to the events, which go on: taken
        # off the person before booking's own erase (which runs next) cancels their bookings.
        Booking.objects.filter(user=user, event_session__isnull=False).update(user=None)
        Attendance.objects.filter(registration__user=user).update(checked_in_by=None)
        Attendance.objects.filter(checked_in_by=user).update(checked_in_by=None)
        Registration.objects.filter(user=user).update(user=None)
