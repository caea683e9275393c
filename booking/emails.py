"""Mail to the booker, in the booker's language, plain text and HTML, sent after commit.

All booking mail goes through `build_message`/`send`, so the calendar invitation (.ics,
METHOD:REQUEST or CANCEL) is attached in one place.
"""

from dataclasses import replace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.roles import FACILITY_MANAGERS
from booking.feeds import personal_booking_item
from booking.ical import Person, invitation_part, organizer
from booking.models import Booking, BookingStatus

CREATED = "created"
MOVED = "moved"
APPROVED = "approved"
DECLINED = "declined"
CANCELLED = "cancelled"
REMINDER = "reminder"
# To the facility managers, not the booker: an approved booking changed and waits again.
NEEDS_APPROVAL = "needs_approval"


def subject_for(booking: Booking, event: str) -> str:
    if event == CREATED and booking.status == BookingStatus.PENDING:
        return _("Booking request received: %(room)s") % {"room": booking.room.name}
    subjects = {
        CREATED: _("Booking confirmed: %(room)s"),
        MOVED: _("Booking changed: %(room)s"),
        APPROVED: _("Booking approved: %(room)s"),
        DECLINED: _("Booking declined: %(room)s"),
        CANCELLED: _("Booking cancelled: %(room)s"),
        REMINDER: _("Reminder: your booking of %(room)s"),
    }
    return subjects[event] % {"room": booking.room.name}


def build_message(booking: Booking, event: str) -> EmailMultiAlternatives:
    user = booking.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        context = {
            "booking": booking,
            "event": event,
            "user": user,
            "site_url": settings.SITE_URL,
        }
        message = EmailMultiAlternatives(
            subject=subject_for(booking, event),
            body=render_to_string("booking/email/booking.txt", context),
            to=[user.email],
        )
        message.attach_alternative(
            render_to_string("booking/email/booking.html", context), "text/html"
        )
        if event != REMINDER:  # a reminder changes nothing a calendar needs to know
            message.attach(invitation(booking, event))
    return message


def invitation(booking: Booking, event: str):
    """The booking as a calendar invitation: REQUEST while it holds the room, CANCEL after.

    Same UID as in every feed; SEQUENCE is the booking's, which every change raised."""
    user = booking.user
    item = replace(
        personal_booking_item(booking, settings.SITE_URL),
        organizer=organizer(),
        attendees=(Person(user.email, user.name),),
    )
    method = "CANCEL" if event in (CANCELLED, DECLINED) else "REQUEST"
    return invitation_part([item], method=method, name=booking.room.name)


def manager_message(booking: Booking, manager) -> EmailMultiAlternatives:
    with translation.override(manager.language or settings.LANGUAGE_CODE):
        context = {"booking": booking, "manager": manager, "site_url": settings.SITE_URL}
        return EmailMultiAlternatives(
            subject=_("Approval needed again: %(room)s") % {"room": booking.room.name},
            body=render_to_string("booking/email/needs_approval.txt", context),
            to=[manager.email],
        )


def send_to_managers(booking: Booking) -> None:
    managers = (
        get_user_model()
        .objects.filter(groups__name=FACILITY_MANAGERS, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )
    messages = [manager_message(booking, manager) for manager in managers]
    if messages:
        get_connection().send_messages(messages)


def send(booking: Booking, event: str) -> None:
    if event == NEEDS_APPROVAL:
        send_to_managers(booking)
        return
    if booking.user is None or not booking.user.email:
        return
    build_message(booking, event).send()


def send_after_commit(booking: Booking, event: str) -> None:
    """Queue the mail for when the outermost transaction commits; a rollback sends nothing.

    With a task queue the request only enqueues; rendering and sending run in the worker."""
    from booking.tasks import send_booking_mail

    booking_id, status_then = booking.pk, booking.status
    transaction.on_commit(lambda: send_booking_mail.delay(booking_id, event, status_then))


def deliver(booking_id: int, event: str, status_then: str) -> None:
    fresh = Booking.objects.select_related("room", "room__location", "user").filter(pk=booking_id)
    booking = fresh.first()
    if booking is None:
        return
    # The mail tells what happened then ("request received"), even if a manager has
    # decided since.
    booking.status = status_then
    send(booking, event)
