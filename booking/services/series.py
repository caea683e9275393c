"""Series: bookings made together from one recurrence rule, kept in wall-clock time; made,
moved and cancelled all or nothing."""

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import emails, quotas, recurrence, rules
from booking.errors import BookingError
from booking.models import Booking, BookingStatus, Room, Series
from booking.services.bookings import (
    cancel_booking,
    check_booking_rules,
    initial_status,
    limit_locked,
    lock_booking,
    lock_room,
    move_booking,
    needs_approval_again,
    new_booking,
    save_guarded,
    set_status,
)
from booking.timezones import LOCAL_TZ, LocalTimeError, make_aware_strict


def series_problems(
    room: Room,
    spans: list[tuple[datetime, datetime]],
    *,
    exclude_ids: tuple[int, ...] = (),
    on_behalf: bool = False,
    seats: int | None = None,
) -> list[tuple[datetime, datetime, str]]:
    """Every occurrence that may not be booked, with why. Call with the room locked; each
    span ends in UTC, as occurrence_spans gives them, so adding the buffer adds real time."""
    now = timezone.now()
    problems = []
    previous_end = None
    for start, end in spans:
        reason = None if on_behalf else rules.timing_problem(room, start, now)
        reason = reason or rules.opening_problem(room, start, end)
        if reason is None:
            try:
                rules.check_closures(room, start, end)
                rules.check_no_clash(room, start, end, exclude_ids, seats=seats)
            except BookingError as error:
                reason = str(error.message)
        buffer = timedelta(minutes=room.buffer_minutes)
        if reason is None and previous_end is not None and start < previous_end + buffer:
            reason = _("It overlaps the previous occurrence of this series.")
        problems += [(start, end, reason)] if reason else []
        previous_end = end
    return problems


def series_conflict(problems, total: int) -> BookingError:
    listed = "; ".join(f"{rules.local_label(start)}: {reason}" for start, _end, reason in problems)
    return BookingError(
        _("%(count)d of %(total)d occurrences cannot be booked, so none were: %(list)s")
        % {"count": len(problems), "total": total, "list": listed},
        code="conflict",
        conflicts=[(start, end) for start, end, _reason in problems],
    )


def occurrence_spans(rule: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Each occurrence keeps the first one's wall-clock start and its real length."""
    length = rules.real_duration(start, end)
    spans = []
    for local_start in recurrence.expand(rule, start):
        try:
            aware = make_aware_strict(local_start)
        except LocalTimeError as error:
            raise BookingError(error.message, field="rrule") from error
        # The end in UTC: wall-clock arithmetic would end a 01:30 + 90 minutes on the
        # autumn change at 03:00, an hour after the 02:00 it really is.
        spans.append((aware, aware.astimezone(UTC) + length))
    return spans


def create_series(
    *,
    user,
    room: Room,
    start: datetime,
    end: datetime,
    title: str,
    rrule: str,
    attendees: int = 1,
    public_title: bool = False,
) -> list[Booking]:
    """Book every occurrence of `rrule`, or none: a 409 lists each one that cannot be."""
    with transaction.atomic():
        rules.check_span(start, end)
        spans = occurrence_spans(rrule, start, end)
        rules.check_room_active(room)
        rules.check_booker(user, room)
        rules.check_attendees(room, attendees, on_behalf=False)
        rules.check_duration(room, start, end)
        whole = rules.takes_whole_room(room, on_behalf=False)
        limit = quotas.limit_for(user, room)
        if limit is not None:
            quotas.lock_person(user)  # before the room, as every booking under a limit
        room = lock_room(room)
        problems = series_problems(room, spans, seats=None if whole else attendees)
        if problems:
            raise series_conflict(problems, len(spans))
        if limit is not None:
            quotas.check_quota(limit, user=user, spans=spans)
        series = Series.objects.create(room=room, user=user, rrule=rrule.strip())
        status = initial_status(user, room, on_behalf=False)
        bookings = []
        for occurrence_start, occurrence_end in spans:
            booking = new_booking(
                room=room,
                start=occurrence_start,
                end=occurrence_end,
                user=user,
                title=title,
                public_title=public_title,
                attendees=attendees,
                status=status,
                series=series,
                takes_whole_room=whole,
            )
            save_guarded(booking, room)
            bookings.append(booking)
        emails.owe_mail(bookings[0], emails.CREATED)
        if status == BookingStatus.PENDING:
            emails.owe_managers_mail(bookings[0], again=False, occurrences=len(bookings))
    return bookings


def following_occurrences(booking: Booking) -> list[Booking]:
    return list(
        Booking.objects.live()
        .filter(series_id=booking.series_id, start__gte=booking.start)
        .select_for_update()
        .order_by("start")
    )


def move_following(
    *, booking: Booking, actor, start: datetime, end: datetime, title: str | None = None
) -> list[Booking]:
    """Move this occurrence and every later one by the same wall-clock shift, all or none."""
    if booking.series_id is None:
        return [move_booking(booking=booking, actor=actor, start=start, end=end, title=title)]
    with transaction.atomic():
        rules.check_span(start, end)
        limit = limit_locked(booking, actor)
        room, locked = lock_booking(booking, actor, on_behalf=False)
        occurrences = following_occurrences(locked)
        shift = wall_clock(start) - wall_clock(locked.start)
        length = rules.real_duration(start, end)
        spans = []
        for occurrence in occurrences:
            try:
                new_start = make_aware_strict(wall_clock(occurrence.start) + shift)
            except LocalTimeError as error:
                raise BookingError(error.message, field="start") from error
            spans.append((new_start, new_start.astimezone(UTC) + length))
        # Not mutated: the booker differs from the actor only when a facility manager moves
        # the series (no limit, the booker's rules skipped), so `and` reads the same person.
        booker = locked.user or actor  # pragma: no mutate
        # A facility manager moving someone's series skips the booker's rules, the notice
        # and the window of each occurrence too, as when moving one booking.
        on_behalf = locked.user_id != actor.pk
        check_booking_rules(
            user=booker,
            room=room,
            start=start,
            end=end,
            attendees=locked.attendees,
            on_behalf=on_behalf,
        )
        ids = tuple(o.pk for o in occurrences)
        problems = series_problems(
            room, spans, exclude_ids=ids, on_behalf=on_behalf, seats=locked.seats
        )
        if problems:
            raise series_conflict(problems, len(spans))
        if limit is not None:
            quotas.check_quota(limit, user=booker, spans=spans, exclude_ids=ids)
        back_to_pending = False
        # Not mutated: `spans` has one span per occurrence, built in the loop above;
        # strict=True only guards against a future slip.
        moves = zip(occurrences, spans, strict=True)  # pragma: no mutate
        for occurrence, (new_start, new_end) in moves:
            if new_start != occurrence.start:
                occurrence.reminder_sent_at = None
            occurrence.start, occurrence.end = new_start, new_end
            occurrence.blocked_from, occurrence.blocked_until = rules.blocked_span(
                room, new_start, new_end
            )
            occurrence.title = occurrence.title if title is None else title
            if needs_approval_again(occurrence, actor, on_behalf=False):
                occurrence.status = BookingStatus.PENDING
                back_to_pending = True
            occurrence.sequence += 1
            save_guarded(occurrence, room)
        emails.owe_mail(occurrences[0], emails.MOVED)
        if back_to_pending:
            emails.owe_managers_mail(occurrences[0], again=True)
    return occurrences


def cancel_following(*, booking: Booking, actor) -> list[Booking]:
    """Cancel this occurrence and every later live one of its series."""
    if booking.series_id is None:
        return [cancel_booking(booking=booking, actor=actor)]
    with transaction.atomic():
        _room, locked = lock_booking(booking, actor, on_behalf=False)
        if not locked.is_live:
            raise BookingError(_("This booking is already cancelled or declined."))
        occurrences = following_occurrences(locked)
        for occurrence in occurrences:
            set_status(occurrence, BookingStatus.CANCELLED)
        emails.owe_mail(occurrences[0], emails.CANCELLED)
    return occurrences


def wall_clock(value: datetime) -> datetime:
    # Not mutated: left out, the zone is the current one, Amsterdam (TIME_ZONE; nothing
    # activates another).
    return timezone.localtime(value, LOCAL_TZ).replace(tzinfo=None)  # pragma: no mutate
