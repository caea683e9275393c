"""What events holds about a person: export it, or erase it (called by accounts)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from events.models import Attendance, Registration, RegistrationStatus
from events.selectors import registrations_of_user
from events.services import cancel_registration


def export_user_data(user) -> dict:
    registrations = registrations_of_user(user).prefetch_related("attendances__session")
    return {
        "owned_events": list(user.owned_events.order_by("slug").values_list("slug", flat=True)),
        "owned_programmes": list(
            user.owned_programmes.order_by("slug").values_list("slug", flat=True)
        ),
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
        ],
    }


def erase_user_data(user) -> None:
    """Cancel the person's future registrations (promoting the waitlist) and detach the rest.

    Past registrations and attendance stay, without the person, so event counts stay true.
    Rooms booked for event sessions are the event's, never a person's (events.services.
    sessions), so booking's erase leaves them be. The person stops owning events and
    programmes: their programme's owners and event administrators still manage those.
    """
    user.owned_events.clear()
    user.owned_programmes.clear()
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
        Attendance.objects.filter(registration__user=user).update(checked_in_by=None)
        Attendance.objects.filter(checked_in_by=user).update(checked_in_by=None)
        Registration.objects.filter(user=user).update(user=None)
