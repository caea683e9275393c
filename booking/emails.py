"""Mail to the booker, in the booker's language, plain text and HTML, with the booking as a
calendar invitation (METHOD:REQUEST or CANCEL).

A change owes its mail as an outbox row (`owe_mail`, in the change's transaction); the
worker builds it with `build_batch` and sends it (accounts/outbox.py).
"""

from copy import copy
from dataclasses import replace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts import outbox
from accounts.models import OutboxMail
from booking.feeds import personal_booking_item
from booking.ical import Person, invitation_part, organizer
from booking.managers import approvers
from booking.models import Booking, BookingStatus

CREATED = "created"
MOVED = "moved"
APPROVED = "approved"
DECLINED = "declined"
CANCELLED = "cancelled"
REMINDER = "reminder"
RELEASED = "released"  # not checked in on time (booking.check_in)
CONFIRM_SERIES = "confirm_series"  # three no-shows in a row: keep the rest?
SERIES_CANCELLED = "series_cancelled"  # ... and the booker did not answer in time
KIND_PREFIX = "booking."
KINDS = [
    KIND_PREFIX + event
    for event in (
        CREATED,
        MOVED,
        APPROVED,
        DECLINED,
        CANCELLED,
        REMINDER,
        RELEASED,
        CONFIRM_SERIES,
        SERIES_CANCELLED,
    )
]
# What a calendar needs to know: the booking itself changed (REQUEST or CANCEL). A reminder or
# a question about a series changes nothing in it.
CHANGES_THE_BOOKING = {CREATED, MOVED, APPROVED, DECLINED, CANCELLED, RELEASED}
# To the facility managers, not the booker: an approved booking changed and waits again.
NEEDS_APPROVAL_KIND = "booking.needs_approval"


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
        RELEASED: _("Booking released: %(room)s"),
        CONFIRM_SERIES: _("Do you still need %(room)s? Please confirm"),
        SERIES_CANCELLED: _("Rest of your series cancelled: %(room)s"),
    }
    return subjects[event] % {"room": booking.room.name}


def build_message(booking: Booking, event: str, language: str = "") -> EmailMultiAlternatives:
    user = booking.user
    with outbox.in_language(language, user.language):
        context = {"booking": booking, "event": event, "user": user, "site_url": settings.SITE_URL}
        message = outbox.templated_message(
            "booking/email/booking", context, subject=subject_for(booking, event), to=user.email
        )
        if event in CHANGES_THE_BOOKING:
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
    method = "CANCEL" if event in (CANCELLED, DECLINED, RELEASED) else "REQUEST"
    return invitation_part([item], method=method, name=booking.room.name)


def owe_mail(booking: Booking, event: str, *, closed_because: str = "") -> None:
    """Owe the booker this mail; call inside the change's transaction (a rollback owes none).

    The mail tells what happened then ("request received"), even if a manager has decided
    by the time it is built, so the status goes with it. `closed_because`: a cancellation
    because the room was closed, with the closure's reason."""
    if booking.user_id is None:
        return
    language = booking.user.language if Booking.user.is_cached(booking) else ""
    payload = {"booking": booking.pk, "status": booking.status}
    if closed_because:
        payload["closed_because"] = closed_because
    outbox.owe(f"{KIND_PREFIX}{event}", [(payload, language)])


def build_batch(rows: list[OutboxMail]) -> dict[int, EmailMultiAlternatives | None]:
    """The message for each row, with one query for all the batch's bookings."""
    ids = {row.payload["booking"] for row in rows}
    bookings = Booking.objects.select_related("room", "room__location", "user").in_bulk(ids)
    messages: dict[int, EmailMultiAlternatives | None] = {}
    for row in rows:
        booking = bookings.get(row.payload["booking"])
        if booking is None or booking.user is None or not booking.user.email:
            messages[row.pk] = None
            continue
        then = copy(booking)  # two rows may tell of the same booking at different times
        then.status = row.payload["status"]
        then.closed_because = row.payload.get("closed_because", "")
        messages[row.pk] = build_message(
            then, row.kind.removeprefix(KIND_PREFIX), language=row.language
        )
    return messages


def owe_managers_mail(booking: Booking, *, again: bool, occurrences: int = 1) -> None:
    """Owe each approver of the room (booking.managers.approvers) a note that this booking
    waits for them: a new request, or (`again`) an approved booking that was changed. Call
    inside the change's transaction. `occurrences`: a new series asks once for all."""
    payload = {"booking": booking.pk, "again": again, "occurrences": occurrences}
    outbox.owe(
        NEEDS_APPROVAL_KIND,
        [
            ({**payload, "manager": pk}, language)
            for pk, language in approvers(booking.room).values_list("pk", "language")
        ],
    )


def build_managers_batch(rows: list[OutboxMail]) -> dict[int, EmailMultiAlternatives | None]:
    """The manager's note for each row, with one query for the bookings and one for the
    managers."""
    bookings = Booking.objects.select_related("room", "room__location", "user").in_bulk(
        {row.payload["booking"] for row in rows}
    )
    managers = get_user_model().objects.in_bulk({row.payload["manager"] for row in rows})
    messages: dict[int, EmailMultiAlternatives | None] = {}
    for row in rows:
        booking = bookings.get(row.payload["booking"])
        manager = managers.get(row.payload["manager"])
        if booking is None or manager is None or not manager.email:
            messages[row.pk] = None
            continue
        messages[row.pk] = manager_message(
            booking,
            manager,
            language=row.language,
            # Rows owed before requests were mailed told only of changes.
            again=row.payload.get("again", True),
            occurrences=row.payload.get("occurrences", 1),
        )
    return messages


def manager_message(
    booking: Booking, manager, language: str = "", *, again: bool = True, occurrences: int = 1
) -> EmailMultiAlternatives:
    with outbox.in_language(language, manager.language):
        context = {
            "booking": booking,
            "manager": manager,
            "again": again,
            "occurrences": occurrences,
            "site_url": settings.SITE_URL,
        }
        subject = _("Approval needed again: %(room)s") if again else _("Approval needed: %(room)s")
        return EmailMultiAlternatives(
            subject=subject % {"room": booking.room.name},
            body=render_to_string("booking/email/needs_approval.txt", context),
            to=[manager.email],
        )
