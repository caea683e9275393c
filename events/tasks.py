from celery import shared_task

from events.reminders import send_session_reminders


@shared_task(name="events.send_reminders")
def send_reminders() -> int:
    return send_session_reminders()


@shared_task(name="events.send_registration_mail", acks_late=True)
def send_registration_mail(registration_id: int, kind: str | None = None) -> None:
    from events.emails import send_registration_mail as send

    send(registration_id, kind=kind)
