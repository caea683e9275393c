from celery import shared_task

from events.reminders import send_session_reminders


@shared_task(name="events.send_reminders")
def send_reminders() -> int:
    return send_session_reminders()


# Nothing queues this since mail goes through the outbox; it stays so that messages queued
# by an older release during an upgrade are still delivered.
@shared_task(name="events.send_registration_mail", acks_late=True)
def send_registration_mail(registration_id: int, kind: str | None = None) -> None:
    from events.emails import send_registration_mail as send

    send(registration_id, kind=kind)


@shared_task(name="events.send_pending_registration_mail", acks_late=True)
def send_pending_registration_mail() -> int:
    from events.outbox import send_pending_mail

    return send_pending_mail()
