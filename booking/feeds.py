"""Bookings as calendar entries: a room's public occupancy feed, and the items that the
personal feed and booking mail use.

Rules (tested in tests/feeds/):
- every booking is its own VEVENT with UID `booking-<id>@<host>`, also a series occurrence
  (a moved or cancelled occurrence is then simply that entry, no RRULE/EXDATE bookkeeping);
- pending bookings are TENTATIVE; cancelled and declined ones stay in feeds as
  STATUS:CANCELLED for `FEED_HISTORY` after the change, so subscribers see them go, then
  drop out; bookings that ended more than `FEED_HISTORY` ago are not in feeds;
- a room feed shows a title only where the booker made it public, never who booked.
"""

from datetime import date, datetime, timedelta

from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from booking.calendar_response import serve_calendar
from booking.ical import CalendarItem, build_calendar, uid_host
from booking.models import LIVE_STATUSES, Booking, BookingStatus, Room

FEED_HISTORY = timedelta(days=30)

ICAL_STATUS = {
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.PENDING: "TENTATIVE",
    BookingStatus.CANCELLED: "CANCELLED",
    BookingStatus.DECLINED: "CANCELLED",
    BookingStatus.RELEASED: "CANCELLED",
}


def booking_uid(booking_id: int) -> str:
    return f"booking-{booking_id}@{uid_host()}"


def room_place(room: Room) -> str:
    parts = [room.name, room.location.name, room.location.address]
    return ", ".join(part for part in parts if part)


def in_feed_window(bookings: QuerySet, now: datetime) -> QuerySet:
    since = now - FEED_HISTORY
    return bookings.filter(end__gte=since).filter(
        Q(status__in=LIVE_STATUSES) | Q(updated_at__gte=since)
    )


def feed_version(bookings: QuerySet) -> tuple:
    """What decides a feed's content: row count and newest change (catches adds, edits,
    deletions), plus the day, since the window moves with it."""
    stats = bookings.aggregate(count=Count("id"), latest=Max("updated_at"))
    return stats["count"], stats["latest"], date.today().isoformat()


def public_booking_item(booking: Booking) -> CalendarItem:
    show_title = booking.public_title and booking.title
    return CalendarItem(
        uid=booking_uid(booking.pk),
        start=booking.start,
        end=booking.end,
        summary=booking.title if show_title else _("Booked"),
        sequence=booking.sequence,
        last_modified=booking.updated_at,
        status=ICAL_STATUS[booking.status],
        location=room_place(booking.room),
    )


def personal_booking_item(booking: Booking, site_url: str) -> CalendarItem:
    """The booker's own view: their title, the status, a link to manage the booking."""
    return CalendarItem(
        uid=booking_uid(booking.pk),
        start=booking.start,
        end=booking.end,
        summary=booking.title or _("Booking: %(room)s") % {"room": booking.room.name},
        sequence=booking.sequence,
        last_modified=booking.updated_at,
        status=ICAL_STATUS[booking.status],
        description=_("Status: %(status)s") % {"status": booking.get_status_display()},
        location=room_place(booking.room),
        url=site_url + reverse("booking:my_booking", kwargs={"pk": booking.pk}),
    )


def room_feed(request, slug: str):
    room = get_object_or_404(Room.objects.select_related("location"), slug=slug)
    bookings = in_feed_window(room.bookings.all(), timezone.now())
    version = (*feed_version(bookings), room.name, get_language())

    def build() -> bytes:
        rows = bookings.order_by("start", "id")
        for booking in rows:
            booking.room = room  # one room for all rows: no join, no query per row
        return build_calendar(
            [public_booking_item(booking) for booking in rows],
            name=f"{room.name} · Media Campus",
            uid=f"room-{room.slug}@{uid_host()}",
            description=_("When %(room)s is booked.") % {"room": room.name},
        )

    return serve_calendar(
        request,
        key=f"room:{room.pk}",
        version=version,
        last_modified=version[1],
        filename=f"{room.slug}.ics",
        build=build,
    )
