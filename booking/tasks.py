from celery import shared_task

from booking.reminders import send_booking_reminders


@shared_task(name="booking.send_reminders")
def send_reminders() -> int:
    return send_booking_reminders()
