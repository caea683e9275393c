from celery import shared_task

from booking.reminders import send_booking_reminders


@shared_task(name="booking.send_reminders")
def send_reminders() -> int:
    return send_booking_reminders()


@shared_task(name="booking.release_no_shows")
def release_no_shows() -> int:
    from booking.check_in import cancel_unconfirmed_series
    from booking.check_in import release_no_shows as release

    return release() + cancel_unconfirmed_series()
