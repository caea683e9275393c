"""Mail to registrants: registered, waitlisted, promoted, cancelled.

One place for all event mail, so the feeds issue can attach .ics files here and a later
issue can move sending onto a queue. Callers schedule it with `transaction.on_commit`, so a
rolled-back registration never sends mail. Each mail is in the recipient's language, as plain
text with an HTML alternative.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from events.models import Registration, RegistrationStatus

SUBJECTS = {
    "confirmed": lambda event: _("You are registered for %(title)s") % {"title": event.title},
    "waitlisted": lambda event: _("You are on the waitlist for %(title)s") % {"title": event.title},
    "promoted": lambda event: (
        _("A seat came free: you are registered for %(title)s") % {"title": event.title}
    ),
    "cancelled": lambda event: (
        _("Your registration for %(title)s is cancelled") % {"title": event.title}
    ),
}


def mail_kind_for(registration: Registration) -> str:
    if registration.status == RegistrationStatus.WAITLISTED:
        return "waitlisted"
    if registration.status == RegistrationStatus.CANCELLED:
        return "cancelled"
    return "confirmed"


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    return Registration.objects.filter(
        event_id=registration.event_id,
        status=RegistrationStatus.WAITLISTED,
        queue_number__lte=registration.queue_number,
    ).count()


def send_registration_mail(registration: Registration | int, kind: str | None = None) -> None:
    """Send the mail for the registration's current state (or the given `kind`).

    Given a Registration with its event and user loaded (as right after registering), no
    query is made for them; given an id, the registration is read fresh.
    """
    if isinstance(registration, int):
        registration = (
            Registration.objects.select_related("event", "user").filter(pk=registration).first()
        )
    if registration is None or registration.user is None:
        return
    kind = kind or mail_kind_for(registration)
    user = registration.user
    event = registration.event
    with translation.override(user.language):
        context = {
            "user": user,
            "event": event,
            "sessions": list(event.sessions.all()),
            "position": getattr(registration, "waitlist_position", None)
            or waitlist_position(registration),
            "event_url": f"{settings.SITE_URL}{_event_path(event, user.language)}",
            "kind": kind,
        }
        message = EmailMultiAlternatives(
            subject=SUBJECTS[kind](event),
            body=render_to_string("events/email/registration.txt", context),
            to=[user.email],
        )
        message.attach_alternative(
            render_to_string("events/email/registration.html", context), "text/html"
        )
    message.send()


def _event_path(event, language: str) -> str:
    from django.urls import reverse

    with translation.override(language):
        return reverse("events:detail", kwargs={"slug": event.slug})
