"""Mail through the task queue.

`QueuedEmailBackend` is Django's EMAIL_BACKEND when a queue is configured: it turns each
message into JSON and queues it; the worker rebuilds the message and hands it to the real
backend (`MAIL_DELIVERY_BACKEND`, from EMAIL_URL). The apps just call `.send()`.
"""

import base64
from email import message_from_bytes
from email.mime.base import MIMEBase

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend


def message_to_payload(message: EmailMultiAlternatives) -> dict:
    attachments = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            attachments.append({"mime": base64.b64encode(attachment.as_bytes()).decode()})
        else:
            filename, content, mimetype = attachment
            raw = content.encode() if isinstance(content, str) else content
            attachments.append(
                {
                    "filename": filename,
                    "content": base64.b64encode(raw).decode(),
                    "mimetype": mimetype,
                }
            )
    return {
        "subject": message.subject,
        "body": message.body,
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [list(alt) for alt in getattr(message, "alternatives", [])],
        "attachments": attachments,
    }


def mime_part_from_bytes(raw: bytes) -> MIMEBase:
    """A serialised MIME part (an .ics invitation) as the MIMEBase that `attach` accepts.

    The parser makes a plain `email.message.Message`, which Django would take for a filename.
    """
    parsed = message_from_bytes(raw)
    part = MIMEBase(parsed.get_content_maintype(), parsed.get_content_subtype())
    for name in list(part.keys()):
        del part[name]
    for name, value in parsed.items():
        part[name] = value
    part.set_payload(parsed.get_payload())
    return part


def payload_to_message(payload: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload["from_email"],
        to=payload["to"],
        cc=payload["cc"],
        bcc=payload["bcc"],
        reply_to=payload["reply_to"],
        headers=payload["headers"],
    )
    for content, mimetype in payload["alternatives"]:
        message.attach_alternative(content, mimetype)
    for attachment in payload["attachments"]:
        if "mime" in attachment:
            message.attach(mime_part_from_bytes(base64.b64decode(attachment["mime"])))
        else:
            content = base64.b64decode(attachment["content"])
            message.attach(attachment["filename"], content, attachment["mimetype"])
    return message


@shared_task(
    name="mail.deliver",
    bind=True,
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=8,
)
def deliver_email(self, payload: dict) -> int:
    connection = get_connection(settings.MAIL_DELIVERY_BACKEND)
    return connection.send_messages([payload_to_message(payload)])


def delivery_connection():
    """The backend that really delivers, for code that already runs in the worker.

    Handing mail to the queue from there would only add a round through the broker; a
    caller with its own retries (the registration outbox) delivers directly, and over one
    connection for a whole batch.
    """
    if settings.EMAIL_BACKEND == "config.mail.QueuedEmailBackend":
        return get_connection(settings.MAIL_DELIVERY_BACKEND)
    return get_connection()


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            deliver_email.delay(message_to_payload(message))
        return len(email_messages)
