"""24-hour reminders for sessions, to everyone confirmed, sent once per session however
many workers run and restart (the same claim as booking/reminders.py)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from booking.reminders import REMINDER_LEAD
from events import emails
from events.models import Session


def send_session_reminders(*, now: datetime | None = None) -> int:
    """Claim every due session and mail its confirmed registrants; returns sessions claimed."""
    now = now or timezone.now()
    due = Session.objects.filter(
        reminder_sent_at__isnull=True, start__gt=now, start__lte=now + REMINDER_LEAD
    ).select_related("event", "room__location")
    claimed = 0
    for session in due:
        with transaction.atomic():
            won = Session.objects.filter(pk=session.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if won:
                emails.owe_session_mail(session, "reminder")
                claimed += won
    return claimed
