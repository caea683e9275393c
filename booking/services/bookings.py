"""Every write to bookings. Each service is one transaction (a savepoint inside a caller's),
locks the room row late, right before the overlap check, and raises BookingError having
changed nothing.

`on_behalf=True` means an event (or staff) holds the room: the booker's rules (who may book,
approval, duration, notice, window, capacity, verified email) are skipped; the room's own
(active, opening hours, closures, no overlap) always hold. The caller checks its own
permissions.
"""

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import outbox
from accounts.prepared import PreparedStatement, column_names
from accounts.roles import is_facility_manager
from accounts.selectors import snapshot_of
from booking import emails, managers, quotas, rules, selectors
from booking.errors import BookingError
from booking.models import LIVE_STATUSES, Booking, BookingStatus, Closure, Room

OVERLAP_CONSTRAINT = "booking_booking_no_overlap"


def lock_room(room: Room) -> Room:
    """Take the room's row lock; every writer of the room's bookings queues here.

    The room is read afresh with its location and the location's opening hours
    (`week_hours`, what rules.opening_problem reads). Only the room row is locked: the
    location's would make every room of a building wait for each other."""
    rooms = Room.objects.select_for_update(of=("self",)).select_related("location")
    locked = selectors.with_week_hours(rooms).get(pk=room.pk)
    locked.week_hours = selectors.week_hours(locked)
    return locked


def overlap_refusal(
    error: IntegrityError, room: Room, start: datetime, end: datetime, exclude_ids=()
) -> BookingError:
    """The database's own overlap refusal as a conflict; any other integrity error as is.

    Call once the refused statement is rolled back (to a savepoint or whole)."""
    if OVERLAP_CONSTRAINT not in str(error):
        raise error
    clashes = rules.clashing_bookings(room, start, end, exclude_ids)
    if clashes:
        return rules.clash_error(room, clashes)
    return BookingError(
        _("%(room)s was booked for this time a moment ago.") % {"room": room.name},
        code="conflict",
        conflicts=[(start, end)],
    )


def save_guarded(booking: Booking, room: Room, **save_kwargs) -> None:
    """Save, turning the database's own overlap refusal into a conflict.

    The savepoint keeps a caller's transaction usable after the refusal.
    """
    try:
        with transaction.atomic():
            booking.save(**save_kwargs)
    except IntegrityError as error:
        # A new booking has no id yet: `pk__in` leaves None out, so nothing is excluded.
        raise overlap_refusal(error, room, booking.start, booking.end, (booking.pk,)) from error


@contextmanager
def rearranging() -> Iterator[list[Booking]]:
    """Several bookings change as one: no overlap when all are done, whatever the order.

    Two sessions trading places clash if moved one at a time. Inside this block the callers
    pass the ids of the bookings that are moving as `moving_with` (they do not count as
    clashes on the way) and append each booking they create or move to the yielded list;
    at the end each of those is checked against the final state, under the room locks
    taken on the way, and the database's own overlap check, deferred until then, runs too.
    """
    with transaction.atomic():
        _overlap_check("DEFERRED")
        touched: list[Booking] = []
        yield touched
        for booking in touched:
            if booking.is_live:
                rules.check_no_clash(
                    booking.room, booking.start, booking.end, (booking.pk,), seats=booking.seats
                )
        # Now rather than at commit, where the refusal could no longer become a 409.
        try:
            with transaction.atomic():
                _overlap_check("IMMEDIATE")
        except IntegrityError as error:
            if OVERLAP_CONSTRAINT not in str(error):
                raise
            raise BookingError(
                _("A room was booked for one of these times a moment ago."),
                code="conflict",
                conflicts=[(b.start, b.end) for b in touched],
            ) from error


def _overlap_check(mode: str) -> None:
    # A rollback to the savepoint of `rearranging` undoes a DEFERRED as well.
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {OVERLAP_CONSTRAINT} {mode}")


def check_booker_rules(
    *,
    user,
    room: Room,
    start: datetime,
    end: datetime,
    attendees: int,
    on_behalf: bool,
    whole_room: bool | None = None,
) -> None:
    """The checks of the booker's request that read no table, in the order a person would
    fix them."""
    rules.check_span(start, end)
    rules.check_room_active(room)
    if not on_behalf:
        rules.check_booker(user, room)
    rules.check_attendees(room, attendees, on_behalf=on_behalf, whole_room=whole_room)
    if not on_behalf:
        rules.check_duration(room, start, end)
        rules.check_timing(room, start)


def check_booking_rules(
    *, user, room: Room, start: datetime, end: datetime, attendees: int, on_behalf: bool
) -> None:
    """Every check but the overlap, on a room from lock_room."""
    check_booker_rules(
        user=user, room=room, start=start, end=end, attendees=attendees, on_behalf=on_behalf
    )
    rules.check_opening_hours(room, start, end)
    rules.check_closures(room, start, end)


def initial_status(user, room: Room, *, on_behalf: bool) -> str:
    """Pending where the room needs approval, unless the booker is one who would give it."""
    if room.requires_approval and not on_behalf and not booker_manages(user, room):
        return BookingStatus.PENDING
    return BookingStatus.CONFIRMED


def booker_manages(user, room: Room) -> bool:
    # A room read by selectors.room_for_booking knows already, at no query.
    known = getattr(room, "managed_by_booker", None)
    if known is not None:
        return known or is_facility_manager(user)
    return managers.manages_room(user, room)


def new_booking(*, room: Room, start: datetime, end: datetime, **fields) -> Booking:
    """An unsaved booking of [start, end), with the span the room's buffer blocks."""
    blocked_from, blocked_until = rules.blocked_span(room, start, end)
    # Snapshot for the record: the booker's affiliation and organisation now, kept for
    # reports whatever becomes of the person. No query (both are on the user row).
    snapshot = snapshot_of(fields.get("user"))
    return Booking(
        room=room,
        start=start,
        end=end,
        blocked_from=blocked_from,
        blocked_until=blocked_until,
        affiliation=snapshot.affiliation,
        organisation_id=snapshot.organisation_id,
        **fields,
    )


def needs_approval_again(booking: Booking, actor, *, on_behalf: bool) -> bool:
    """A change of an approved booking in a room that needs approval goes back to the
    managers, unless one of them made it: what they approved was another time."""
    return (
        booking.room.requires_approval
        and booking.status == BookingStatus.CONFIRMED
        and not on_behalf
        and not managers.manages_room(actor, booking.room)
    )


def create_booking(
    *,
    user,
    room: Room,
    start: datetime,
    end: datetime,
    title: str,
    attendees: int = 1,
    public_title: bool = False,
    on_behalf: bool = False,
    moving_with: tuple[int, ...] = (),
    whole_room: bool | None = None,
) -> Booking:
    """Book `room` for [start, end): confirmed, or pending where the room needs approval.

    `moving_with`: bookings that move away in the same `rearranging` block. `whole_room`:
    whether the booking takes a seats room whole; by default only one on behalf does
    (rules.takes_whole_room). A whole room is always taken whole.

    A booking rush is bound by round trips and Python time, so a booking costs two: the room
    as `selectors.room_for_booking` reads it (none when the caller passes a room read so, as
    the API does), then the rules are checked on it, then `_insert_under_room_lock` takes the
    room lock, looks for closures and live bookings in the way and inserts the booking and
    the mail it owes. Only a refusal costs more: the usual checks then say what is in the way.
    """
    if not selectors.is_read_for_booking(room):
        room = _room_to_book(user, room.pk)
    whole = rules.takes_whole_room(room, on_behalf=on_behalf if whole_room is None else whole_room)
    check_booker_rules(
        user=user,
        room=room,
        start=start,
        end=end,
        attendees=attendees,
        on_behalf=on_behalf,
        whole_room=whole,
    )
    rules.check_opening_hours(room, start, end)
    booking = new_booking(
        room=room,
        user=user,
        start=start,
        end=end,
        status=initial_status(user, room, on_behalf=on_behalf),
        title=title,
        public_title=public_title,
        attendees=attendees,
        takes_whole_room=whole,
    )
    owed_mail = None if on_behalf else emails.CREATED
    limit = None if on_behalf else quotas.limit_for(user, room)
    if limit is None:
        return _insert(booking, owed_mail, moving_with)
    # The person's row first, then (in the statement) the room's: the order every writer
    # under a limit takes them in.
    with transaction.atomic():
        quotas.lock_person(user)
        quotas.check_quota(limit, user=user, spans=[(start, end)])
        return _insert(booking, owed_mail, moving_with)


def _insert(booking: Booking, owed_mail: str | None, moving_with: tuple[int, ...]) -> Booking:
    room, start, end = booking.room, booking.start, booking.end
    # A request owes its approvers a mail in the same transaction; a confirmed booking, the
    # usual case, keeps to the one round trip.
    asks_approval = booking.status == BookingStatus.PENDING
    for _attempt in range(2):
        with transaction.atomic() if asks_approval else nullcontext():
            outcome = _insert_under_room_lock(booking, owed_mail, moving_with)
            if outcome is None:  # deleted since it was read
                raise BookingError(_("This room no longer exists."), code="not_found", field="room")
            inserted, active, mode = outcome
            if inserted and asks_approval:
                emails.owe_managers_mail(booking, again=False)
        if inserted:
            return booking
        # Refused: something is in the way, or the room was switched off or to another
        # mode a moment ago (the statement answers how the room is now).
        if not active:
            raise rules.room_inactive_error()
        if mode != room.booking_mode:
            raise BookingError(
                _("%(room)s was changed a moment ago. Please book again.") % {"room": room.name},
                code="conflict",
                conflicts=[(start, end)],
            )
        rules.check_free(room, start, end, moving_with, seats=booking.seats)
        # What was in the way has gone since: try once more.
    raise BookingError(
        _("%(room)s was booked for this time a moment ago.") % {"room": room.name},
        code="conflict",
        conflicts=[(start, end)],
    )


def _room_to_book(user, pk: int) -> Room:
    room = selectors.room_for_booking(user, pk=pk)
    if room is None:  # deleted since the caller read it
        raise BookingError(_("This room no longer exists."), code="not_found", field="room")
    return room


# Two statements sent as one: the first takes the room lock; the second starts after it
# holds, so it sees every booking committed before (one statement would look with the
# snapshot it took before waiting for the lock), and inserts the booking and the mail it
# owes only if nothing is in the way and the room is still active, in the same mode. Sent
# outside a transaction they are one transaction of their own, so the lock is held for this
# one round trip and no Python runs while it is held. `in_the_way` asks what
# rules.check_free asks, which explains a refusal. For the whole room, any live booking
# holding time in the span is in the way, and the exclusion constraint stays the last guard.
# For seats, where the constraint does not reach, the seats held (`held`: a booking holds
# its seats from its start until its buffered end, a whole-room booking all of them) are
# added up at each instant the load can grow: the new span's start and every held
# booking's start within it; where they and the new seats exceed the capacity, the
# booking is in the way.
_LOCK_ROOM_SQL = "SELECT 1 FROM {room} WHERE id = %(room)s FOR UPDATE;\n"
_INSERT_UNDER_ROOM_LOCK_SQL = """
WITH locked_room AS (
    SELECT {room_capacity} AS capacity FROM {room} WHERE id = %(room)s
), held AS (
    SELECT {booking_start} AS since, {booking_blocked_until} AS until,
           CASE WHEN {booking_takes_whole_room} THEN (SELECT capacity FROM locked_room)
                ELSE {booking_attendees} END AS seats
    FROM {booking}
    WHERE {booking_room} = %(room)s::bigint AND {booking_status} = ANY(%(live)s)
      AND tstzrange({booking_blocked_from}, {booking_blocked_until})
          && tstzrange(%(start)s, %(end)s)
      AND id <> ALL(%(moving_with)s::bigint[])
), in_the_way AS (
    SELECT 1 FROM {closure}
    WHERE {closure_start} < %(end)s AND {closure_end} > %(start)s
      AND ({closure_room} = %(room)s OR {closure_location} = %(location)s)
    UNION ALL
    SELECT 1 FROM held WHERE %(seats)s::int IS NULL
    UNION ALL
    SELECT 1 FROM (
        SELECT %(start)s::timestamptz AS at
        UNION SELECT since FROM held WHERE since > %(start)s::timestamptz
    ) AS instants
    WHERE %(seats)s::int IS NOT NULL
      AND (SELECT coalesce(sum(seats), 0) FROM held WHERE since <= at AND until > at)
          + %(seats)s::int > (SELECT capacity FROM locked_room)
), inserted AS (
    INSERT INTO {booking} ({columns})
    SELECT {values} FROM {room}
    WHERE id = %(room)s AND {room_is_active} AND {room_booking_mode} = %(mode)s
      AND NOT EXISTS (SELECT FROM in_the_way)
    RETURNING id
), owed_mail AS (
    INSERT INTO {mail_table}
        ({mail_kind}, {mail_payload}, {mail_language}, {mail_created_at}, {mail_attempts},
         {mail_send_after}, {mail_last_error})
    SELECT %(mail_kind)s::text, jsonb_build_object('booking', id, 'status', %(status)s::text),
           %(language)s::text, %(now)s::timestamptz, 0, %(now)s::timestamptz, ''
    FROM inserted WHERE %(mail_kind)s IS NOT NULL
)
SELECT (SELECT id FROM inserted), {room_is_active}, {room_booking_mode}
FROM {room} WHERE id = %(room)s
"""
_INSERTED_FIELDS = [field for field in Booking._meta.concrete_fields if not field.primary_key]
# Composed at import, outside any function: mutmut (make mutation) mutates only code in
# functions, and a function run once at import would give mutants that never run.
_COLUMNS = column_names(
    (Room, ["is_active", "capacity", "booking_mode"]),
    (Closure, ["start", "end", "room", "location"]),
    (
        Booking,
        [
            "room",
            "status",
            "start",
            "blocked_from",
            "blocked_until",
            "takes_whole_room",
            "attendees",
        ],
    ),
)
_LOCK_ROOM = _LOCK_ROOM_SQL.format(room=connection.ops.quote_name(Room._meta.db_table))
# Each value is cast to its column's type, as a prepared statement's parameter that first
# appears in a select list has none (text for varchar: a cast to varchar(n) would cut).
_INSERT_UNDER_ROOM_LOCK_TEXT = _INSERT_UNDER_ROOM_LOCK_SQL.format(
    room=connection.ops.quote_name(Room._meta.db_table),
    closure=connection.ops.quote_name(Closure._meta.db_table),
    booking=connection.ops.quote_name(Booking._meta.db_table),
    columns=", ".join(connection.ops.quote_name(field.column) for field in _INSERTED_FIELDS),
    values=", ".join(
        f"%(field_{field.attname})s::"
        + ("text" if field.db_type(connection).startswith("varchar") else field.db_type(connection))
        for field in _INSERTED_FIELDS
    ),
    **_COLUMNS,
    **outbox.SQL_NAMES,
)
_INSERT_UNDER_ROOM_LOCK = PreparedStatement(
    "mc_insert_booking_under_room_lock", _INSERT_UNDER_ROOM_LOCK_TEXT
)


def _insert_under_room_lock(
    booking: Booking, mail_event: str | None, moving_with: tuple[int, ...]
) -> tuple[bool, bool, str] | None:
    """Insert `booking` (setting its id) unless something is in the way; see the SQL above.

    Returns whether it was inserted, and whether the room is active and its mode now; None
    when the room is gone."""
    params = {
        f"field_{field.attname}": field.get_db_prep_save(
            field.pre_save(booking, add=True), connection
        )
        for field in _INSERTED_FIELDS
    }
    params.update(
        room=booking.room_id,
        location=booking.room.location_id,
        start=booking.start,
        end=booking.end,
        live=list(LIVE_STATUSES),
        moving_with=list(moving_with),
        seats=booking.seats,
        mode=booking.room.booking_mode,
        mail_kind=f"{emails.KIND_PREFIX}{mail_event}" if mail_event else None,
        status=booking.status,
        # create_booking always has a booker (a session's booking is made by its organiser).
        language=booking.user.language,
        now=booking.created_at,
    )
    # Inside a caller's transaction a savepoint keeps it usable after a refusal by the
    # exclusion constraint; otherwise the two statements are a transaction of their own.
    atomic = transaction.atomic() if not connection.get_autocommit() else nullcontext()
    try:
        with atomic, connection.cursor() as cursor:
            _INSERT_UNDER_ROOM_LOCK.execute(cursor, params, first=_LOCK_ROOM)
            cursor.nextset()
            row = cursor.fetchone()
    except IntegrityError as error:
        raise overlap_refusal(
            error, booking.room, booking.start, booking.end, moving_with
        ) from error
    if row is None:
        return None
    booking_id, active, mode = row
    if booking_id is None:
        return False, active, mode
    booking.pk = booking_id
    booking.updated_at = booking.created_at
    booking._state.adding = False
    if mail_event:
        outbox.wake_sender_after_commit()
    return True, active, mode


def lock_booking(booking: Booking, actor, *, on_behalf: bool) -> tuple[Room, Booking]:
    """Lock the room, then the booking (always in that order), and check the actor."""
    room = lock_room(booking.room)
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    locked.room = room
    if not on_behalf and locked.user_id != actor.pk and not is_facility_manager(actor):
        if managers.manages_room(actor, room):
            raise BookingError(
                _(
                    "Only the booker changes or cancels a booking; as a manager of this room you "
                    "can approve or decline it."
                ),
                code="forbidden",
            )
        raise BookingError(_("There is no such booking."), code="not_found")
    return room, locked


def limit_locked(booking: Booking, actor) -> quotas.Limit | None:
    """The fair-use limit on the booker of `booking` when `actor` changes it, with the
    booker's row locked (before the room's, as a new booking takes them); None when none
    applies (a facility manager changing it is exempt, as when booking)."""
    if booking.user_id is None or is_facility_manager(actor):
        return None
    limit = quotas.limit_for(booking.user, booking.room)
    if limit is not None:
        quotas.lock_person(booking.user)
    return limit


def move_booking(
    *,
    booking: Booking,
    actor,
    start: datetime,
    end: datetime,
    title: str | None = None,
    on_behalf: bool = False,
    moving_with: tuple[int, ...] = (),
) -> Booking:
    """Move (and optionally rename) a live booking, with the same checks as creating it.

    `moving_with`: other bookings that move in the same `rearranging` block."""
    with transaction.atomic():
        rules.check_span(start, end)
        limit = None if on_behalf else limit_locked(booking, actor)
        room, locked = lock_booking(booking, actor, on_behalf=on_behalf)
        if not locked.is_live:
            raise BookingError(_("Only a pending or confirmed booking can be moved."))
        if not on_behalf and locked.end <= timezone.now():
            raise BookingError(_("This booking is over; it can no longer be moved."))
        # Not mutated: the booker differs from the actor only on behalf (or for a facility
        # manager), where no limit applies and the booker's rules are skipped; either side of
        # the `if` is then the same person wherever the booker is read.
        booker = locked.user if locked.user_id else actor  # pragma: no mutate
        check_booking_rules(
            user=booker,
            room=room,
            start=start,
            end=end,
            attendees=locked.attendees,
            on_behalf=on_behalf or locked.user_id != actor.pk,
        )
        rules.check_no_clash(room, start, end, (locked.pk, *moving_with), seats=locked.seats)
        if limit is not None:
            quotas.check_quota(limit, user=booker, spans=[(start, end)], exclude_ids=(locked.pk,))
        if start != locked.start:
            # The reminder sent was for the old time; the new time is owed its own.
            locked.reminder_sent_at = None
        locked.start, locked.end = start, end
        locked.blocked_from, locked.blocked_until = rules.blocked_span(room, start, end)
        if title is not None:
            locked.title = title
        back_to_pending = needs_approval_again(locked, actor, on_behalf=on_behalf)
        if back_to_pending:
            locked.status = BookingStatus.PENDING
        locked.sequence += 1
        save_guarded(locked, room)
        if not on_behalf:
            emails.owe_mail(locked, emails.MOVED)
        if back_to_pending:
            emails.owe_managers_mail(locked, again=True)
    return locked


def cancel_booking(*, booking: Booking, actor, on_behalf: bool = False) -> Booking:
    """Cancel a live booking; the slot is free the moment the transaction commits."""
    with transaction.atomic():
        _room, locked = lock_booking(booking, actor, on_behalf=on_behalf)
        if not locked.is_live:
            raise BookingError(_("This booking is already cancelled or declined."))
        if not on_behalf and locked.end <= timezone.now() and not is_facility_manager(actor):
            raise BookingError(_("This booking is over; it can no longer be cancelled."))
        set_status(locked, BookingStatus.CANCELLED)
        if not on_behalf:
            emails.owe_mail(locked, emails.CANCELLED)
    return locked


def set_status(booking: Booking, status: str) -> None:
    booking.status = status
    booking.sequence = F("sequence") + 1
    booking.save(update_fields=["status", "sequence", "updated_at"])
    booking.refresh_from_db(fields=["sequence", "updated_at"])


def decide_booking(
    *,
    booking: Booking,
    actor,
    approve: bool,
    # Not mutated: only a decline reads the reason, and decline_booking always passes it.
    reason: str = "",  # pragma: no mutate
) -> Booking:
    """A manager of the room (booking.managers) approves or declines a pending booking."""
    if not managers.manages_room(actor, booking.room):
        raise BookingError(
            _("Only the managers of %(room)s approve or decline its bookings.")
            % {"room": booking.room.name},
            code="forbidden",
        )
    with transaction.atomic():
        _room, locked = lock_booking(
            booking,
            # Not mutated: on behalf, lock_booking never reads the actor (checked above).
            actor,  # pragma: no mutate
            on_behalf=True,
        )
        if locked.status != BookingStatus.PENDING:
            raise BookingError(_("Only a pending booking can be approved or declined."))
        if approve:
            set_status(locked, BookingStatus.CONFIRMED)
            emails.owe_mail(locked, emails.APPROVED)
        else:
            locked.decline_reason = reason.strip()
            locked.save(update_fields=["decline_reason"])
            set_status(locked, BookingStatus.DECLINED)
            emails.owe_mail(locked, emails.DECLINED)
    return locked


def approve_booking(*, booking: Booking, actor) -> Booking:
    return decide_booking(booking=booking, actor=actor, approve=True)


def decline_booking(*, booking: Booking, actor, reason: str = "") -> Booking:
    return decide_booking(booking=booking, actor=actor, approve=False, reason=reason)
