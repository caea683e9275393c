"""The booking rules (docs/domain.md), each a check that raises BookingError and changes nothing.

Services call these in order: cheap checks on the input first, the database ones last and
(for overlap) only once the room row is locked.
"""

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_facility_manager
from accounts.selectors import email_is_verified
from booking import intervals
from booking import seats as seats_of
from booking.errors import BookingError
from booking.models import Booking, BookingMode, Closure, Room
from booking.templatetags.when import moment
from booking.timezones import LOCAL_TZ


def real_duration(start: datetime, end: datetime) -> timedelta:
    """Elapsed time, measured in UTC so a span across a clock change keeps its length.

    Python subtracts two datetimes that share a tzinfo by their wall clocks.
    """
    # Not mutated: either astimezone(None) alone is equivalent (aware datetimes of different
    # zones subtract by their UTC offsets), and + cannot run.
    return end.astimezone(UTC) - start.astimezone(UTC)  # pragma: no mutate


def real_minutes(start: datetime, end: datetime) -> float:
    return real_duration(start, end).total_seconds() / 60


def local_label(value: datetime) -> str:
    """A moment in a refusal, written as on every page: "di 8 dec 13:00"."""
    return moment(value)


def check_span(start: datetime, end: datetime) -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("booking times must be aware datetimes")
    if real_duration(start, end) <= timedelta():
        raise BookingError(_("The end must be after the start."), field="end")


def room_inactive_error() -> BookingError:
    return BookingError(_("This room cannot be booked at the moment."), field="room")


def check_room_active(room: Room) -> None:
    if not room.is_active:
        raise room_inactive_error()


def room_admits(room: Room, affiliation: str, organisation_id: int | None) -> bool:
    """The room's rule for a member of `organisation_id` with `affiliation`: an organisation
    the room refuses may not, whatever its affiliation; one it allows may, whatever it."""
    if organisation_id is not None and organisation_id in room.organisations_refused:
        return False
    return affiliation in room.bookable_by or (
        organisation_id is not None and organisation_id in room.organisations_allowed
    )


def may_book(user, room: Room) -> bool:
    """The room's rule for `user`, or a facility manager, who books every room (asked only
    when the rule does not settle it, as it costs a query)."""
    return room_admits(room, user.affiliation, user.organisation_id) or is_facility_manager(user)


def check_booker(user, room: Room) -> None:
    """Who may book: a verified address, and an affiliation or organisation the room accepts
    (facility managers book every room; asked only when the rule does not settle it, as it
    costs a query). The rule is read from the room row: no query."""
    if not email_is_verified(user):
        raise BookingError(
            _("Verify your email address first: follow the link in the mail we sent you."),
            code="forbidden",
        )
    if may_book(user, room):
        return
    if user.organisation_id is not None and user.organisation_id in room.organisations_refused:
        raise BookingError(
            _("%(room)s cannot be booked by members of your organisation.") % {"room": room.name},
            code="forbidden",
        )
    raise BookingError(
        _("%(room)s cannot be booked with your affiliation.") % {"room": room.name},
        code="forbidden",
    )


def takes_whole_room(room: Room, *, on_behalf: bool) -> bool:
    """Whether a new booking takes the whole room: always, but in a seats room, where only
    an event's session or staff booking on behalf of one holds the room whole."""
    return room.booking_mode != BookingMode.SEATS or on_behalf


def check_attendees(
    room: Room, attendees: int, *, on_behalf: bool, whole_room: bool | None = None
) -> None:
    """`whole_room`: whether the booking takes the room whole, if not as `takes_whole_room`
    decides; seats are checked against the capacity even on behalf."""
    if whole_room is None:
        whole_room = takes_whole_room(room, on_behalf=on_behalf)
    if not whole_room:
        if attendees < 1:
            raise BookingError(_("Book at least one seat."), field="attendees")
        if attendees > room.capacity:
            raise BookingError(
                _("%(room)s has %(capacity)d seats: book at most %(capacity)d.")
                % {"room": room.name, "capacity": room.capacity},
                field="attendees",
            )
        return
    if attendees < 1:
        raise BookingError(_("At least one person must attend."), field="attendees")
    if not on_behalf and attendees > room.capacity:
        raise BookingError(
            _("%(room)s holds at most %(capacity)d people.")
            % {"room": room.name, "capacity": room.capacity},
            field="attendees",
        )


def check_duration(room: Room, start: datetime, end: datetime) -> None:
    minutes = real_minutes(start, end)
    if minutes < room.min_duration_minutes:
        raise BookingError(
            _("A booking of this room lasts at least %(minutes)d minutes.")
            % {"minutes": room.min_duration_minutes},
            field="end",
        )
    if minutes > room.max_duration_minutes:
        raise BookingError(
            _("A booking of this room lasts at most %(minutes)d minutes.")
            % {"minutes": room.max_duration_minutes},
            field="end",
        )


def timing_problem(room: Room, start: datetime, now: datetime) -> str | None:
    """Why `start` is too soon or too far ahead, or None."""
    if start < now + timedelta(minutes=room.min_notice_minutes):
        if room.min_notice_minutes:
            return _("Book at least %(minutes)d minutes before the start.") % {
                "minutes": room.min_notice_minutes
            }
        return _("The start is in the past.")
    if start > now + timedelta(days=room.max_days_ahead):
        return _("This room can be booked at most %(days)d days ahead.") % {
            "days": room.max_days_ahead
        }
    return None


def check_timing(room: Room, start: datetime) -> None:
    problem = timing_problem(room, start, timezone.now())
    if problem:
        raise BookingError(problem, field="start")


def opening_problem(room: Room, start: datetime, end: datetime) -> str | None:
    """Why the location is not open for all of [start, end), or None; `room` as lock_room
    returns it, carrying its location's opening hours."""
    hours = room.week_hours
    open_spans = intervals.opening_intervals(hours, (start, end), LOCAL_TZ)
    if intervals.covers(open_spans, (start, end)):
        return None
    return _("%(location)s is not open for the whole of this time.") % {
        "location": room.location.name
    }


def check_opening_hours(room: Room, start: datetime, end: datetime) -> None:
    problem = opening_problem(room, start, end)
    if problem:
        raise BookingError(problem, field="start")


def closures_in(room: Room, start: datetime, end: datetime) -> list[Closure]:
    return list(
        Closure.objects.filter(start__lt=end, end__gt=start)
        .filter(Q(room=room) | Q(location_id=room.location_id))
        .order_by("start")
    )


def closure_error(room: Room, closures: list[Closure] | list["Obstacle"]) -> BookingError:
    return BookingError(
        _("%(room)s is closed from %(start)s to %(end)s: %(reason)s.")
        % {
            "room": room.name,
            "start": local_label(closures[0].start),
            "end": local_label(closures[0].end),
            "reason": closures[0].reason,
        },
        code="conflict",
        conflicts=[(c.start, c.end) for c in closures],
    )


def check_closures(room: Room, start: datetime, end: datetime) -> None:
    closures = closures_in(room, start, end)
    if closures:
        raise closure_error(room, closures)


def blocked_span(room: Room, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The slot widened by the buffer, in UTC: Amsterdam time minus a timedelta drops the
    fold, so the second pass of the repeated autumn hour would move an hour back."""
    buffer = timedelta(minutes=room.buffer_minutes)
    return start.astimezone(UTC) - buffer, end.astimezone(UTC) + buffer


def clashing_bookings(
    room: Room, start: datetime, end: datetime, exclude_ids: tuple[int, ...] = ()
) -> list[Booking]:
    """Live bookings of `room` that [start, end) may not share time with, buffers included."""
    return list(
        Booking.objects.of_room(room)
        .blocking(start, end)
        .exclude(pk__in=exclude_ids)
        .order_by("start")
    )


def clash_error(room: Room, clashes: list[Booking] | list["Obstacle"]) -> BookingError:
    first = clashes[0]
    if room.buffer_minutes:
        message = _(
            "%(room)s is already booked from %(start)s to %(end)s, and needs "
            "%(buffer)d minutes between bookings."
        )
    else:
        message = _("%(room)s is already booked from %(start)s to %(end)s.")
    return BookingError(
        message
        % {
            "room": room.name,
            "start": local_label(first.start),
            "end": local_label(first.end),
            "buffer": room.buffer_minutes,
        },
        code="conflict",
        conflicts=[(b.start, b.end) for b in clashes],
    )


def check_no_clash(
    room: Room,
    start: datetime,
    end: datetime,
    exclude_ids: tuple[int, ...] = (),
    *,
    seats: int | None = None,
) -> None:
    """No live booking in the way of [start, end): of a whole room (`seats` None), none at
    all; of `seats` seats, enough left at every instant. Call with the room locked."""
    if seats is not None:
        check_seats(room, start, end, seats, exclude_ids)
        return
    clashes = clashing_bookings(room, start, end, exclude_ids)
    if clashes:
        raise clash_error(room, clashes)


def held_seats(
    room: Room, start: datetime, end: datetime, exclude_ids: tuple[int, ...] = ()
) -> list[seats_of.Hold]:
    """The seats held by live bookings of `room` that a booking of [start, end) shares
    time with (buffers included): a booking of the whole room holds them all."""
    found = (
        Booking.objects.of_room(room)
        .blocking(start, end)
        .exclude(pk__in=exclude_ids)
        .values_list("start", "blocked_until", "takes_whole_room", "attendees")
    )
    return [
        (since, until, room.capacity if whole else attendees)
        for since, until, whole, attendees in found
    ]


def seats_error(room: Room, short: list[seats_of.Segment], wanted: int) -> BookingError:
    since, until, left = short[0]
    values = {
        "room": room.name,
        "start": local_label(since),
        "end": local_label(until),
        "left": left,
        "capacity": room.capacity,
        "wanted": wanted,
    }
    if left == 0:
        message = _("%(room)s is full from %(start)s to %(end)s. Choose another time.")
    else:
        message = _(
            "%(room)s has %(left)d of %(capacity)d seats left from %(start)s to %(end)s, "
            "and you asked for %(wanted)d. Book fewer seats or another time."
        )
    return BookingError(
        message % values, code="conflict", conflicts=[(s, u) for s, u, _left in short]
    )


def check_seats(
    room: Room, start: datetime, end: datetime, wanted: int, exclude_ids: tuple[int, ...] = ()
) -> None:
    """`wanted` seats free at every instant the booking holds them: [start, end + buffer)."""
    _blocked_from, holds_until = blocked_span(room, start, end)
    held = held_seats(room, start, end, exclude_ids)
    short = seats_of.short_spans(held, (start, holds_until), room.capacity, wanted)
    if short:
        raise seats_error(room, short, wanted)


class Obstacle(NamedTuple):
    """A closure or booking in the way, with what its error message needs."""

    start: datetime
    end: datetime
    reason: str


def check_free(
    room: Room,
    start: datetime,
    end: datetime,
    exclude_ids: tuple[int, ...] = (),
    *,
    seats: int | None = None,
) -> None:
    """No closure and no live booking in the way (of `seats` seats: enough left at every
    instant): `check_closures` then `check_no_clash`, asked in one query, as a booking in a
    rush does once it holds the room lock."""
    closures = (
        Closure.objects.filter(start__lt=end, end__gt=start)
        .filter(Q(room=room) | Q(location_id=room.location_id))
        .annotate(
            kind=Value("closure"),
            until=F("end"),
            # Not mutated: the union needs the column; a closure's seats are never read.
            seats=Value(0, output_field=IntegerField()),  # pragma: no mutate
        )
        .values_list("kind", "start", "end", "reason", "until", "seats")
        .order_by()
    )
    bookings = (
        Booking.objects.of_room(room)
        .blocking(start, end)
        .exclude(pk__in=exclude_ids)
        .annotate(
            kind=Value("booking"),
            # Not mutated: the union needs the column; a booking's reason is never read.
            reason=Value(""),  # pragma: no mutate
            seats=Case(
                When(takes_whole_room=True, then=Value(room.capacity)),
                default=F("attendees"),
                output_field=IntegerField(),
            ),
        )
        .values_list("kind", "start", "end", "reason", "blocked_until", "seats")
        .order_by()
    )
    found: dict[str, list[Obstacle]] = {"closure": [], "booking": []}
    held: list[seats_of.Hold] = []
    for kind, since, until, reason, holds_until, taken in closures.union(
        bookings, all=True
    ).order_by("start"):
        found[kind].append(Obstacle(since, until, reason))
        if kind == "booking":
            held.append((since, holds_until, taken))
    if found["closure"]:
        raise closure_error(room, found["closure"])
    if seats is not None:
        _blocked_from, holds_until = blocked_span(room, start, end)
        short = seats_of.short_spans(held, (start, holds_until), room.capacity, seats)
        if short:
            raise seats_error(room, short, seats)
    elif found["booking"]:
        raise clash_error(room, found["booking"])
