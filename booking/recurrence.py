"""RFC 5545 recurrence rules for booking series: the small subset we accept, expanded in
Amsterdam wall-clock time (every Tuesday at 09:00 stays 09:00 across a clock change).
"""

from datetime import UTC, datetime, time, timedelta

from dateutil.rrule import rrulestr
from django.utils.translation import gettext as _

from booking.errors import BookingError
from booking.timezones import LOCAL_TZ

MAX_OCCURRENCES = 100
ALLOWED_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY"}
ALLOWED_FREQ = {"DAILY", "WEEKLY"}
WEEKDAYS = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"}


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
        if key in parts and not (parts[key].isdigit() and int(parts[key]) >= 1):
            raise invalid(_("%(part)s must be a positive whole number.") % {"part": key})
    if int(parts.get("COUNT", "1")) > MAX_OCCURRENCES:
        raise invalid(_("A series has at most %(max)d occurrences.") % {"max": MAX_OCCURRENCES})
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


def expand(rule: str, first_start: datetime) -> list[datetime]:
    """Wall-clock (naive, Amsterdam) starts of every occurrence."""
    parts = parse_parts(rule)
    check_parts(parts)
    local_first = first_start.astimezone(LOCAL_TZ).replace(tzinfo=None)
    until = parse_until(parts.pop("UNTIL")) if "UNTIL" in parts else None
    text = ";".join(f"{key}={value}" for key, value in parts.items())
    recurrence = rrulestr(text, dtstart=local_first)
    if until is not None:
        recurrence = recurrence.replace(until=until)
    starts = []
    for start in recurrence:
        if len(starts) == MAX_OCCURRENCES:
            raise invalid(_("A series has at most %(max)d occurrences.") % {"max": MAX_OCCURRENCES})
        starts.append(start)
    if not starts:
        raise invalid(_("This rule gives no occurrence."))
    if starts[-1] > local_first + timedelta(days=366):
        raise invalid(_("A series spans at most one year."))
    return starts
