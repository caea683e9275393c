"""Fair use: how much one person may book of one kind of room (booking.models.FairUseLimit).

A limit counts a person's live bookings across every room of its kind, so the room lock,
which serialises one room, cannot keep two of their requests for two rooms from both
passing: a booking a limit applies to first locks the person's own row, and checks and
writes under it. Only then: without a limit (most bookings) nothing is locked or counted.
Facility managers, and bookings on behalf of an event, are exempt.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import is_facility_manager
from booking.errors import BookingError
from booking.models import Booking, FairUseLimit, Room, RoomKind
from booking.timezones import LOCAL_TZ

FIELDS = ("max_hours_per_week", "max_future_bookings", "max_days_ahead")


@dataclass(frozen=True)
class Limit:
    room_kind: str
    max_hours_per_week: int | None
    max_future_bookings: int | None
    max_days_ahead: int | None


def candidates_q(room_kind, affiliation: str, organisation_id: int | None) -> Q:
    """The limits that may hold for a person of `affiliation` in `organisation_id`."""
    group = Q(affiliation="", organisation__isnull=True) | Q(
        affiliation=affiliation or "-", organisation__isnull=True
    )
    if organisation_id is not None:
        group |= Q(organisation_id=organisation_id)
    return Q(room_kind=room_kind) & group


def most_specific(rows: list[dict]) -> Limit | None:
    """Of the limits matching a person, the one that holds: their organisation's, else
    their affiliation's, else everyone's. `rows` as `candidates` or the room read for a
    booking (booking.selectors.room_for_booking) give them."""

    def rank(row):
        return 2 if row["organisation_id"] else 1 if row["affiliation"] else 0

    if not rows:
        return None
    row = max(rows, key=rank)
    return Limit(row["room_kind"], *(row[name] for name in FIELDS))


def limit_for(user, room: Room) -> Limit | None:
    """The limit on `user` booking `room`, or None (exempt, or none set). Reads the limits
    read with the room where it was read for booking, else asks the database."""
    if is_facility_manager(user):
        return None
    read_for = getattr(room, "fair_use_limits_for", None)
    rows = room.fair_use_limits_json if read_for == user.pk else None
    if rows is None:
        rows = list(
            FairUseLimit.objects.filter(
                candidates_q(room.kind, user.affiliation, user.organisation_id)
            ).values("room_kind", "affiliation", "organisation_id", *FIELDS)
        )
    return most_specific(rows)


def lock_person(user) -> None:
    """Serialise this person's bookings under a limit (in the caller's transaction). Taken
    before any room lock, always, so two people's bookings cannot wait for each other."""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk"))


def week_start(moment: datetime) -> datetime:
    """Monday 00:00 in Amsterdam of the week of `moment`."""
    local = timezone.localtime(moment, LOCAL_TZ)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, datetime.min.time(), LOCAL_TZ)


def hours(value: float) -> str:
    rounded = round(value, 1)
    return number_format(rounded, decimal_pos=0 if rounded == int(rounded) else 1)


def kind_label(room_kind: str) -> str:
    return str(RoomKind(room_kind).label).lower()


def check_quota(
    limit: Limit,
    *,
    user,
    spans: list[tuple[datetime, datetime]],
    exclude_ids: tuple[int, ...] = (),
    now: datetime | None = None,
) -> None:
    """Whether `user` may hold `spans` (new or moved bookings) within `limit`; call with
    the person locked (lock_person). One query."""
    now = now or timezone.now()
    kind = kind_label(limit.room_kind)
    if limit.max_days_ahead is not None:
        last = now + timedelta(days=limit.max_days_ahead)
        if any(start > last for start, _end in spans):
            raise BookingError(
                _(
                    "You can book rooms of the kind %(kind)s at most %(days)d days ahead: "
                    "choose a day up to %(date)s."
                )
                % {
                    "kind": kind,
                    "days": limit.max_days_ahead,
                    "date": date_format(timezone.localtime(last, LOCAL_TZ), "j F"),
                },
                code="quota",
                field="start",
            )
    if limit.max_hours_per_week is None and limit.max_future_bookings is None:
        return
    weeks = sorted({week_start(start) for start, _end in spans})
    held = list(
        Booking.objects.live()
        .filter(user=user, room__kind=limit.room_kind)
        .filter(Q(end__gt=now) | Q(start__gte=weeks[0]))
        .exclude(pk__in=exclude_ids)
        .values_list("start", "end")
    )
    if limit.max_future_bookings is not None:
        upcoming = sum(1 for _start, end in held if end > now)
        asked = sum(1 for _start, end in spans if end > now)
        left = max(limit.max_future_bookings - upcoming, 0)
        if asked > left:
            raise BookingError(
                _(
                    "You can have %(limit)d upcoming bookings of rooms of the kind %(kind)s "
                    "and have %(left)d left, but this asks for %(asked)d. Cancel one, or book "
                    "again once one is over."
                )
                % {"limit": limit.max_future_bookings, "kind": kind, "left": left, "asked": asked},
                code="quota",
            )
    if limit.max_hours_per_week is not None:
        for week in weeks:
            next_week = week_start(week.astimezone(UTC) + timedelta(days=7, hours=12))
            booked = _hours_in(held, week, next_week)
            asked = _hours_in(spans, week, next_week)
            left = max(limit.max_hours_per_week - booked, 0)
            if asked > left + 1e-9:
                raise BookingError(
                    _(
                        "You have %(left)s of %(limit)d hours left for rooms of the kind %(kind)s "
                        "in the week of %(week)s, and this asks for %(asked)s."
                    )
                    % {
                        "left": hours(left),
                        "limit": limit.max_hours_per_week,
                        "kind": kind,
                        "week": date_format(week, "j F"),
                        "asked": hours(asked),
                    },
                    code="quota",
                )


def _hours_in(spans, week: datetime, next_week: datetime) -> float:
    """Hours of the spans that start in [week, next_week); a booking lies in one day."""
    return sum(
        (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600
        for start, end in spans
        if week <= start < next_week
    )
