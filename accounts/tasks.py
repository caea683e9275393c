from celery import shared_task


@shared_task(name="mail.send_outbox", acks_late=True)
def send_outbox() -> int:
    from accounts.outbox import send_pending_mail

    return send_pending_mail()
