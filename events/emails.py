"""Mail to registrants: registered, waitlisted, promoted, cancelled; and to everyone confirmed
when a session moves, is cancelled or starts within a day.

A change owes its mail as outbox rows in its own transaction (`owe_registration_mail`,
`owe_session_mail`, and the one-statement registration in services/registrations.py, which
writes its row in the same SQL); the worker builds the messages with the `build_*_batch`
functions and sends them (accounts/outbox.py). Each mail is in the recipient's language, as
plain text with an HTML alternative and calendar invitations.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, replace
from datetime import datetime

from django.core.mail import EmailMultiAlternatives
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from accounts import outbox
from accounts.models import OutboxMail, User
from booking.ical import CalendarItem, Person, invitation_part, organizer
from events.feeds import event_url, session_item
from events.models import Event, Registration, RegistrationStatus, Session
from events.selectors import set_waitlist_positions

REGISTRATION_PREFIX = "registration."
SESSION_PREFIX = "session."

SUBJECTS = {
    "confirmed": lambda event: (
        _("You are registered for %(title)s") % {"title": event.display_title}
    ),
    "waitlisted": lambda event: (
        _("You are on the waitlist for %(title)s") % {"title": event.display_title}
    ),
    "promoted": lambda event: (
        _("A seat came free: you are registered for %(title)s") % {"title": event.display_title}
    ),
    "cancelled": lambda event: (
        _("Your registration for %(title)s is cancelled") % {"title": event.display_title}
    ),
}
REGISTRATION_KINDS = [REGISTRATION_PREFIX + kind for kind in SUBJECTS]


def mail_kind_for(registration: Registration) -> str:
    if registration.status == RegistrationStatus.WAITLISTED:
        return "waitlisted"
    if registration.status == RegistrationStatus.CANCELLED:
        return "cancelled"
    return "confirmed"


def owe_registration_mail(kind: str, registration_ids: list[int]) -> None:
    """Owe these registrations a mail of this kind; call inside the change's transaction."""
    outbox.owe(REGISTRATION_PREFIX + kind, [({"registration": pk}, "") for pk in registration_ids])


def build_registration_batch(rows: list[OutboxMail]) -> dict[int, EmailMultiAlternatives | None]:
    """The message for each row: the batch's registrations with their events and people, the
    places in line, and the sessions, each read once for the whole batch."""
    registrations = Registration.objects.select_related("event", "user").in_bulk(
        {row.payload["registration"] for row in rows}
    )
    set_waitlist_positions(list(registrations.values()))
    # The invitations' descriptions name the speakers: one read for the whole batch.
    prefetch_related_objects([r.event for r in registrations.values()], "speakers")
    sessions = _sessions_by_event(registrations.values())
    messages: dict[int, EmailMultiAlternatives | None] = {}
    for row in rows:
        registration = registrations.get(row.payload["registration"])
        if registration is None or registration.user is None:
            messages[row.pk] = None
            continue
        messages[row.pk] = registration_message(
            registration,
            kind=row.kind.removeprefix(REGISTRATION_PREFIX),
            sessions=sessions[registration.event_id],
            language=row.language,
        )
    return messages


def _sessions_by_event(registrations) -> dict[int, list[Session]]:
    by_event: dict[int, list[Session]] = defaultdict(list)
    event_ids = {registration.event_id for registration in registrations}
    for session in Session.objects.filter(event_id__in=event_ids).select_related("room__location"):
        by_event[session.event_id].append(session)
    return by_event


def registration_message(
    registration: Registration, *, kind: str, sessions: list[Session], language: str = ""
) -> EmailMultiAlternatives:
    """The mail for a registration (its event, user and `waitlist_position` loaded)."""
    user = registration.user
    event = registration.event
    with outbox.in_language(language, user.language):
        context = {
            "user": user,
            "event": event,
            "sessions": sessions,
            "position": registration.waitlist_position,
            "event_url": event_url(event),
            "kind": kind,
        }
        message = outbox.templated_message(
            "events/email/registration", context, subject=SUBJECTS[kind](event), to=user.email
        )
        for part in invitations(registration, sessions, kind):
            message.attach(part)
    return message


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
        parts.append(invitation_part([item], method=method, name=registration.event.display_title))
    return parts


SESSION_SUBJECTS = {
    "moved": lambda event: _("Session changed: %(title)s") % {"title": event.display_title},
    "removed": lambda event: _("Session cancelled: %(title)s") % {"title": event.display_title},
    "reminder": lambda event: (
        _("Reminder: %(title)s starts within a day") % {"title": event.display_title}
    ),
}


SESSION_KINDS = [SESSION_PREFIX + kind for kind in SESSION_SUBJECTS]


def owe_session_mail(session: Session, kind: str) -> None:
    """Owe everyone confirmed for the event a mail that a session moved ("moved", a new
    REQUEST), was dropped ("removed", a CANCEL) or starts within a day ("reminder").

    The calendar entry goes into the row now: a removed session is gone by the time the
    mail is built."""
    cancel = kind == "removed"
    item = session_item(
        session,
        status="CANCELLED" if cancel else "CONFIRMED",
        sequence_offset=2 if cancel else 1,
    )
    recipients = Registration.objects.filter(
        event_id=session.event_id, status=RegistrationStatus.CONFIRMED, user__isnull=False
    ).values_list("user_id", "user__language")
    payload = {"event": session.event_id, "item": _item_to_json(item)}
    outbox.owe(
        SESSION_PREFIX + kind,
        [({**payload, "user": user_id}, language) for user_id, language in recipients],
    )


def _item_to_json(item: CalendarItem) -> dict:
    return {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in asdict(item).items()
        if name not in ("organizer", "attendees")
    }


def _item_from_json(data: dict) -> CalendarItem:
    dates = ("start", "end", "last_modified")
    return CalendarItem(
        **{n: datetime.fromisoformat(v) if n in dates else v for n, v in data.items()}
    )


def build_session_batch(rows: list[OutboxMail]) -> dict[int, EmailMultiAlternatives | None]:
    """The message for each row, with one query for the batch's people and one for events."""
    users = User.objects.in_bulk({row.payload["user"] for row in rows})
    events = Event.objects.in_bulk({row.payload["event"] for row in rows})
    messages: dict[int, EmailMultiAlternatives | None] = {}
    for row in rows:
        user, event = users.get(row.payload["user"]), events.get(row.payload["event"])
        if user is None or event is None or not user.email:
            messages[row.pk] = None
            continue
        messages[row.pk] = session_message(
            user,
            event,
            _item_from_json(row.payload["item"]),
            kind=row.kind.removeprefix(SESSION_PREFIX),
            language=row.language,
        )
    return messages


def session_message(
    user, event: Event, item: CalendarItem, *, kind: str, language: str = ""
) -> EmailMultiAlternatives:
    with outbox.in_language(language, user.language):
        context = {"user": user, "event": event, "item": item, "kind": kind}
        message = outbox.templated_message(
            "events/email/session_change",
            context,
            subject=SESSION_SUBJECTS[kind](event),
            to=user.email,
        )
        if kind != "reminder":  # a reminder changes nothing a calendar needs to know
            invite = replace(
                item, organizer=organizer(), attendees=(Person(user.email, user.name),)
            )
            method = "CANCEL" if kind == "removed" else "REQUEST"
            message.attach(invitation_part([invite], method=method, name=event.display_title))
    return message
