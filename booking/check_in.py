"""Check-in and release of bookings nobody shows up for.

In a room with `check_in_required`, the booker checks in from CHECK_IN_OPENS before the start
until the room's `release_after_minutes` after it (on the booking's page, in the API, or by
scanning the QR code on the room's door page). The worker releases a confirmed booking with
no check-in once that time has passed: status `released`, the slot free at once, a mail to
the booker, and a no-show for the reports.

Check-in and release race at the deadline; the database decides. Check-in locks the booking
row and re-reads its status; release is one UPDATE whose conditions are all on the booking
row itself, so PostgreSQL re-checks them on the row's newest version after waiting for a
check-in's lock (a condition in a subquery would not be re-checked, and would release a
booking checked in a moment before). Either the booking is checked in and stays, or it is
released and check-in is refused; never both.

Three released occurrences in a row of a series ask its booker to confirm the rest within
CONFIRM_WITHIN (never later than the next occurrence); the worker cancels the rest otherwise.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import outbox
from booking import emails
from booking.errors import BookingError
from booking.models import LIVE_STATUSES, Booking, BookingStatus, Room, Series
from booking.timezones import LOCAL_TZ

CHECK_IN_OPENS = timedelta(minutes=10)
NO_SHOWS_IN_A_ROW = 3
CONFIRM_WITHIN = timedelta(hours=24)
# The longest release time a room may set (the model's check constraint): bookings that
# started longer ago than this are never due, which keeps the worker's scan short.
LONGEST_RELEASE = timedelta(minutes=240)


def window(booking: Booking) -> tuple[datetime, datetime]:
    """[opens, closes): when the booker may check in."""
    release_after = timedelta(minutes=booking.room.release_after_minutes)
    return booking.start - CHECK_IN_OPENS, booking.start + release_after


def can_check_in(booking: Booking, now: datetime | None = None) -> bool:
    """Whether a page should offer check-in now (the service decides for real)."""
    if not booking.room.check_in_required or booking.checked_in_at is not None:
        return False
    if booking.status != BookingStatus.CONFIRMED:
        return False
    opens, closes = window(booking)
    return opens <= (now or timezone.now()) < closes


def check_in(*, booking: Booking, actor, now: datetime | None = None) -> Booking:
    """Check in the booker; checking in twice changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Booking.objects.select_for_update(of=("self",)).select_related("room")
        locked = locked.get(pk=booking.pk)
        if locked.user_id != actor.pk:
            raise BookingError(
                _("Only the person who made this booking can check in."), code="forbidden"
            )
        if not locked.room.check_in_required:
            raise BookingError(_("%(room)s needs no check-in.") % {"room": locked.room.name})
        if locked.checked_in_at is not None:
            return locked
        if locked.status == BookingStatus.RELEASED:
            raise BookingError(
                _(
                    "This booking was released because nobody checked in on time. "
                    "Book again if the room is still free."
                )
            )
        if locked.status == BookingStatus.PENDING:
            raise BookingError(_("This booking still waits for approval."))
        if locked.status != BookingStatus.CONFIRMED:
            raise BookingError(_("Only a confirmed booking can be checked in."))
        opens, closes = window(locked)
        if now < opens:
            raise BookingError(
                _("Check-in opens at %(time)s, 10 minutes before the start.")
                % {"time": local_time(opens)}
            )
        if now >= closes:
            raise BookingError(_("Check-in closed at %(time)s.") % {"time": local_time(closes)})
        locked.checked_in_at = now
        locked.save(update_fields=["checked_in_at", "updated_at"])
        if locked.series_id:
            # Showing up is the answer to "do you still need the rest?".
            Series.objects.filter(pk=locked.series_id).update(confirm_by=None)
    return locked


def local_time(moment: datetime) -> str:
    return timezone.localtime(moment, LOCAL_TZ).strftime("%H:%M")


_RELEASE_SQL_TEMPLATE = """
UPDATE {booking} AS b
SET {booking_status} = %(released)s,
    {booking_sequence} = b.{booking_sequence} + 1,
    {booking_updated_at} = %(now)s
FROM {room} AS r
WHERE r.id = b.{booking_room}
  AND r.{room_check_in_required}
  AND b.{booking_status} = %(confirmed)s
  AND b.{booking_checked_in_at} IS NULL
  AND b.{booking_start} > %(oldest)s
  AND b.{booking_start} <= %(now)s - r.{room_release_after_minutes} * interval '1 minute'
  AND NOT EXISTS (SELECT FROM {session} AS s WHERE s.{session_booking} = b.id)
RETURNING b.id, b.{booking_series}
"""


def _release_sql() -> str:
    quote = connection.ops.quote_name
    session = Booking._meta.get_field("event_session").related_model._meta
    names = {
        "booking": quote(Booking._meta.db_table),
        "room": quote(Room._meta.db_table),
        "session": quote(session.db_table),
    }
    for prefix, meta, fields in (
        ("booking", Booking._meta, ["status", "sequence", "updated_at", "room", "start"]),
        ("booking", Booking._meta, ["checked_in_at", "series"]),
        ("room", Room._meta, ["check_in_required", "release_after_minutes"]),
        ("session", session, ["booking"]),
    ):
        for name in fields:
            names[f"{prefix}_{name}"] = quote(meta.get_field(name).column)
    return _RELEASE_SQL_TEMPLATE.format(**names)


# Built at import, outside any function (mutmut mutates only code in functions).
_RELEASE_SQL = _release_sql()


def release_no_shows(*, now: datetime | None = None) -> int:
    """Release every booking past its release time without check-in; returns how many.

    Sessions of events are not released: their attendance is taken by the organisers."""
    now = now or timezone.now()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _RELEASE_SQL,
                {
                    "released": BookingStatus.RELEASED,
                    "confirmed": BookingStatus.CONFIRMED,
                    "now": now,
                    "oldest": now - LONGEST_RELEASE,
                },
            )
            released = cursor.fetchall()
        if not released:
            return 0
        outbox.owe(
            f"{emails.KIND_PREFIX}{emails.RELEASED}",
            [({"booking": pk, "status": BookingStatus.RELEASED}, "") for pk, _series in released],
        )
        ask_to_confirm_series({series for _pk, series in released if series}, now)
    return len(released)


def ask_to_confirm_series(series_ids: set[int], now: datetime) -> None:
    """Ask the booker of each series whose last NO_SHOWS_IN_A_ROW past occurrences were all
    released to confirm the rest; inside the release's transaction."""
    for series in Series.objects.filter(pk__in=series_ids, confirm_by__isnull=True):
        occurrences = Booking.objects.filter(series=series)
        last = list(
            occurrences.filter(start__lte=now)
            .exclude(status__in=[BookingStatus.CANCELLED, BookingStatus.DECLINED])
            .order_by("-start")
            .values_list("status", flat=True)[:NO_SHOWS_IN_A_ROW]
        )
        if len(last) < NO_SHOWS_IN_A_ROW or any(s != BookingStatus.RELEASED for s in last):
            continue
        upcoming = occurrences.filter(start__gt=now, status__in=LIVE_STATUSES).order_by("start")
        next_one = upcoming.first()
        if next_one is None:
            continue
        series.confirm_by = min(now + CONFIRM_WITHIN, next_one.start)
        series.save(update_fields=["confirm_by"])
        emails.owe_mail(next_one, emails.CONFIRM_SERIES)


def confirm_series(*, series: Series, actor) -> Series:
    """The booker keeps the rest of their series after missing some."""
    if series.user_id != actor.pk:
        raise BookingError(_("There is no such booking."), code="not_found")
    Series.objects.filter(pk=series.pk).update(confirm_by=None)
    series.confirm_by = None
    return series


def cancel_unconfirmed_series(*, now: datetime | None = None) -> int:
    """Cancel the rest of each series whose booker did not confirm in time; returns how many
    bookings were cancelled. Each series is claimed by clearing its `confirm_by`."""
    from booking.services.bookings import set_status

    now = now or timezone.now()
    cancelled = 0
    for series_id in Series.objects.filter(confirm_by__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            claimed = Series.objects.filter(pk=series_id, confirm_by__lte=now).update(
                confirm_by=None
            )
            if not claimed:
                continue
            rest = list(
                Booking.objects.select_for_update()
                .filter(series_id=series_id, start__gte=now, status__in=LIVE_STATUSES)
                .order_by("start")
            )
            for booking in rest:
                set_status(booking, BookingStatus.CANCELLED)
            if rest:
                emails.owe_mail(rest[0], emails.SERIES_CANCELLED)
            cancelled += len(rest)
    return cancelled
