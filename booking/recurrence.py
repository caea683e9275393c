"""RFC 5545 recurrence rules for booking series: the small subset we accept, expanded in
Amsterdam wall-clock time (every Tuesday at 09:00 stays 09:00 across a clock change).
"""

from datetime import UTC, datetime, time, timedelta

from dateutil.rrule import rrulestr
from django.utils.translation import gettext as _

from booking.errors import BookingError
from booking.timezones import LOCAL_TZ

MAX_OCCURRENCES = 100
MAX_SPAN = timedelta(days=366)
# A step longer than the span can only ever give the first occurrence.
MAX_INTERVAL = {"DAILY": 366, "WEEKLY": 52}
ALLOWED_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY"}
ALLOWED_FREQ = {"DAILY", "WEEKLY"}
WEEKDAY_ORDER = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # as datetime.weekday() counts
WEEKDAYS = set(WEEKDAY_ORDER)


def invalid(message) -> BookingError:
    return BookingError(message, field="rrule")


def parse_parts(rule: str) -> dict[str, str]:
    text = rule.strip().removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for chunk in filter(None, text.upper().split(";")):
        key, sep, value = chunk.partition("=")
        if not sep or not value:
            raise invalid(_("Write the rule as KEY=VALUE pairs, such as FREQ=WEEKLY;COUNT=10."))
        if key not in ALLOWED_PARTS:
            raise invalid(
                _("%(part)s is not supported; use FREQ, INTERVAL, COUNT, UNTIL and BYDAY.")
                % {"part": key}
            )
        if key in parts:
            raise invalid(_("%(part)s appears twice.") % {"part": key})
        parts[key] = value
    return parts


def check_parts(parts: dict[str, str]) -> None:
    if parts.get("FREQ") not in ALLOWED_FREQ:
        raise invalid(_("FREQ must be DAILY or WEEKLY."))
    if ("COUNT" in parts) == ("UNTIL" in parts):
        raise invalid(_("Give either COUNT or UNTIL, so the series ends."))
    for key in ("COUNT", "INTERVAL"):
        # ASCII digits, and few of them: int() of "²" or of 5,000 digits raises.
        value = parts.get(key)
        if value is not None and not (
            value.isascii() and value.isdigit() and len(value) <= 4 and int(value) >= 1
        ):
            raise invalid(_("%(part)s must be a positive whole number.") % {"part": key})
    if int(parts.get("COUNT", "1")) > MAX_OCCURRENCES:
        raise invalid(_("A series has at most %(max)d occurrences.") % {"max": MAX_OCCURRENCES})
    max_interval = MAX_INTERVAL[parts["FREQ"]]
    if int(parts.get("INTERVAL", "1")) > max_interval:
        raise invalid(_("INTERVAL may be at most %(max)d here.") % {"max": max_interval})
    if "BYDAY" in parts and not set(parts["BYDAY"].split(",")) <= WEEKDAYS:
        raise invalid(_("BYDAY takes weekdays such as MO,WE,FR."))


def parse_until(value: str) -> datetime:
    """UNTIL as Amsterdam wall time: a UTC time (…Z) converted, a date meaning its whole day."""
    try:
        if len(value) == 8:
            return datetime.combine(datetime.strptime(value, "%Y%m%d").date(), time.max)
        if value.endswith("Z"):
            moment = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            return moment.astimezone(LOCAL_TZ).replace(tzinfo=None)
        return datetime.strptime(value, "%Y%m%dT%H%M%S")
    except ValueError as error:
        raise invalid(_("UNTIL must look like 20260630 or 20260630T170000Z.")) from error


def _byday_reachable(parts: dict[str, str], local_first: datetime) -> bool:
    """Whether a DAILY rule's steps ever land on one of its BYDAY weekdays (a WEEKLY
    rule's period is a whole week, so it always does)."""
    if parts["FREQ"] != "DAILY" or "BYDAY" not in parts:
        return True
    step = int(parts.get("INTERVAL", "1"))
    reached = {(local_first.weekday() + k * step) % 7 for k in range(7)}
    wanted = {WEEKDAY_ORDER.index(day) for day in parts["BYDAY"].split(",")}
    return bool(reached & wanted)


def expand(rule: str, first_start: datetime) -> list[datetime]:
    """Wall-clock (naive, Amsterdam) starts of every occurrence.

    Every limit is checked before dateutil expands anything, and the expansion itself never
    looks past one year: a rule whose BYDAY never matches (FREQ=DAILY;INTERVAL=7;BYDAY=TU
    from a Monday) would otherwise walk day by day to the year 9999 looking for one.
    """
    parts = parse_parts(rule)
    check_parts(parts)
    local_first = first_start.astimezone(LOCAL_TZ).replace(tzinfo=None)
    horizon = local_first + MAX_SPAN
    until = parse_until(parts.pop("UNTIL")) if "UNTIL" in parts else None
    if until is not None and until > horizon:
        raise invalid(_("A series spans at most one year."))
    if not _byday_reachable(parts, local_first):
        # dateutil checks UNTIL only against days it found, so it would search forever.
        raise invalid(_("This rule gives no occurrence."))
    count = int(parts.get("COUNT", "0"))
    text = ";".join(f"{key}={value}" for key, value in parts.items() if key != "COUNT")
    recurrence = rrulestr(text, dtstart=local_first).replace(until=until or horizon)
    starts = []
    for start in recurrence:
        if len(starts) == MAX_OCCURRENCES:
            raise invalid(_("A series has at most %(max)d occurrences.") % {"max": MAX_OCCURRENCES})
        starts.append(start)
        if len(starts) == count:
            break
    if not starts:
        raise invalid(_("This rule gives no occurrence."))
    if len(starts) < count:
        # COUNT occurrences do not fit in the year the expansion looked at.
        raise invalid(_("A series spans at most one year."))
    return starts
