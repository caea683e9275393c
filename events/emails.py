"""Mail to registrants: registered, waitlisted, promoted, cancelled.

One place for all event mail, so the calendar invitations (.ics) are attached in one place.
Callers schedule it with `transaction.on_commit`, so a
rolled-back registration never sends mail. Each mail is in the recipient's language, as plain
text with an HTML alternative.
"""

from __future__ import annotations

from dataclasses import replace

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from booking.ical import Person, invitation_part, organizer
from events.feeds import event_url, session_item
from events.models import Registration, RegistrationStatus
from events.selectors import with_waitlist_position

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


def send_registration_mail(
    registration: Registration | int,
    kind: str | None = None,
    connection=None,
    sessions: list | None = None,
) -> None:
    """Send the mail for the registration's current state (or the given `kind`).

    Given a Registration with its event, user and `waitlist_position` loaded (as
    `selectors.with_waitlist_position` gives), no query is made for them; given an id, the
    registration is read fresh. A sender of many mails passes the event's `sessions`.
    """
    if isinstance(registration, int):
        registration = (
            with_waitlist_position(Registration.objects.select_related("event", "user"))
            .filter(pk=registration)
            .first()
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
            "sessions": sessions
            if sessions is not None
            else list(event.sessions.select_related("room__location")),
            "position": registration.waitlist_position,
            "event_url": event_url(event),
            "kind": kind,
        }
        message = EmailMultiAlternatives(
            subject=SUBJECTS[kind](event),
            body=render_to_string("events/email/registration.txt", context),
            to=[user.email],
            connection=connection,
        )
        message.attach_alternative(
            render_to_string("events/email/registration.html", context), "text/html"
        )
        for part in invitations(registration, context["sessions"], kind):
            message.attach(part)
    message.send()


def invitations(registration: Registration, sessions: list, kind: str) -> list:
    """One iTIP invitation per session (iTIP allows one UID per message): REQUEST once the
    seat is confirmed, CANCEL when the registration ends; none while on the waitlist.

    SEQUENCE follows the personal feed: the session's own, plus one once confirmed, plus
    one more for the cancellation, so each message outranks the one before."""
    if kind == "waitlisted":
        return []
    method = "CANCEL" if kind == "cancelled" else "REQUEST"
    user = registration.user
    parts = []
    for session in sessions:
        session.event = registration.event
        item = replace(
            session_item(
                session,
                status="CANCELLED" if method == "CANCEL" else "CONFIRMED",
                sequence_offset=2 if method == "CANCEL" else 1,
            ),
            organizer=organizer(),
            attendees=(Person(user.email, user.name),),
        )
        parts.append(invitation_part([item], method=method, name=registration.event.title))
    return parts


SESSION_SUBJECTS = {
    "moved": lambda event: _("Session changed: %(title)s") % {"title": event.title},
    "removed": lambda event: _("Session cancelled: %(title)s") % {"title": event.title},
    "reminder": lambda event: _("Reminder: %(title)s starts within a day") % {"title": event.title},
}


def session_change_after_commit(session, kind: str) -> None:
    """Tell everyone confirmed for the event that a session moved ("moved", a new REQUEST),
    was dropped ("removed", a CANCEL) or starts within a day ("reminder"), after commit.

    The calendar entry is taken now: a removed session is gone by the time mail goes out."""
    event = session.event
    session.event = event
    cancel = kind == "removed"
    item = session_item(
        session,
        status="CANCELLED" if cancel else "CONFIRMED",
        sequence_offset=2 if cancel else 1,
    )
    users = [
        registration.user
        for registration in Registration.objects.filter(
            event=event, status=RegistrationStatus.CONFIRMED, user__isnull=False
        ).select_related("user")
    ]

    def deliver():
        for user in users:
            _send_session_change(user, event, item, kind)

    transaction.on_commit(deliver)


def _send_session_change(user, event, item, kind: str) -> None:
    with translation.override(user.language):
        context = {"user": user, "event": event, "item": item, "kind": kind}
        message = EmailMultiAlternatives(
            subject=SESSION_SUBJECTS[kind](event),
            body=render_to_string("events/email/session_change.txt", context),
            to=[user.email],
        )
        message.attach_alternative(
            render_to_string("events/email/session_change.html", context), "text/html"
        )
        if kind != "reminder":  # a reminder changes nothing a calendar needs to know
            invite = replace(
                item, organizer=organizer(), attendees=(Person(user.email, user.name),)
            )
            method = "CANCEL" if kind == "removed" else "REQUEST"
            message.attach(invitation_part([invite], method=method, name=event.title))
    message.send()
