from celery import shared_task

from booking.reminders import send_booking_reminders


@shared_task(name="booking.send_reminders")
def send_reminders() -> int:
    return send_booking_reminders()


@shared_task(name="booking.send_mail", acks_late=True)
def send_booking_mail(booking_id: int, event: str, status_then: str) -> None:
    from booking.emails import deliver

    deliver(booking_id, event, status_then)
