"""24-hour reminders for bookings, sent once however many workers run and restart.

Each due booking is claimed by a conditional UPDATE (`reminder_sent_at IS NULL`), which only
one transaction can win; the mail is owed in the same transaction as the claim. A beat run missed
while the scheduler was down is caught up by the next one, as long as the booking has not
started yet.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from booking import emails
from booking.models import Booking, BookingStatus

REMINDER_LEAD = timedelta(hours=24)


def due_reminders(now: datetime):
    return Booking.objects.filter(
        status=BookingStatus.CONFIRMED,
        reminder_sent_at__isnull=True,
        start__gt=now,
        start__lte=now + REMINDER_LEAD,
        user__isnull=False,
    )


def send_booking_reminders(*, now: datetime | None = None) -> int:
    """Claim and mail every due reminder; returns how many this call claimed."""
    now = now or timezone.now()
    claimed = 0
    for booking in due_reminders(now).only("pk"):
        with transaction.atomic():
            won = Booking.objects.filter(pk=booking.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if won:
                emails.owe_mail(booking, emails.REMINDER)
                claimed += won
    return claimed
