from celery import shared_task

from events.reminders import send_session_reminders


@shared_task(name="events.send_reminders")
def send_reminders() -> int:
    return send_session_reminders()
