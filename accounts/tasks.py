from datetime import timedelta

from celery import shared_task
from django.conf import settings

from accounts.services import expire_unconfirmed_accounts


@shared_task(name="accounts.expire_unconfirmed_accounts")
def expire_unconfirmed() -> int:
    return expire_unconfirmed_accounts(older_than=timedelta(days=settings.UNCONFIRMED_ACCOUNT_DAYS))


@shared_task(name="mail.send_outbox", acks_late=True)
def send_outbox() -> int:
    from accounts.outbox import send_pending_mail

    return send_pending_mail()
