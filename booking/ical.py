"""iCalendar output for every feed and invitation, as pure functions over `CalendarItem`s.

Choices that calendar apps depend on:
- the Europe/Amsterdam VTIMEZONE is rule-based (two yearly RRULE transitions): the RDATE
  lists that `add_missing_timezones()` writes are misread by ical.js after the March change;
- DTSTAMP is the item's last change in UTC, so an unchanged feed serialises byte for byte
  the same and can be cached and answered with 304;
- durations are written as durations (`PT1H`), not as Python's `1:00:00`;
- the calendar's UID is given by the caller and stable per feed.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.mime.text import MIMEText
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration, vText

from booking.timezones import LOCAL_TZ

PRODID = "-//Media Campus Hilversum//Booking//NL"
REFRESH = timedelta(hours=1)

AMSTERDAM_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Amsterdam
X-LIC-LOCATION:Europe/Amsterdam
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


@dataclass(frozen=True)
class Person:
    email: str
    name: str = ""


@dataclass(frozen=True)
class CalendarItem:
    uid: str
    start: datetime
    end: datetime
    summary: str
    sequence: int
    last_modified: datetime
    status: str = "CONFIRMED"  # CONFIRMED, TENTATIVE or CANCELLED
    description: str = ""
    location: str = ""
    url: str = ""
    organizer: Person | None = None
    attendees: tuple[Person, ...] = field(default_factory=tuple)


def _vtimezone() -> Timezone:
    return Timezone.from_ical(AMSTERDAM_VTIMEZONE)


def _address(person: Person, role: str | None = None) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = vText(person.name)
    if role:
        address.params["ROLE"] = vText(role)
        address.params["PARTSTAT"] = vText("ACCEPTED")
        address.params["RSVP"] = vText("FALSE")
    return address


def _local(moment: datetime) -> datetime:
    """Amsterdam wall time with TZID, except for the second pass through the autumn hour:
    RFC 5545 reads an ambiguous local time as its first occurrence, so that one is UTC."""
    local = moment.astimezone(LOCAL_TZ)
    if local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset():
        return moment.astimezone(UTC)
    return local


def _event(item: CalendarItem) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", item.last_modified.astimezone(UTC))
    event.add("last-modified", item.last_modified.astimezone(UTC))
    event.add("dtstart", _local(item.start))
    event.add("dtend", _local(item.end))
    event.add("summary", item.summary)
    event.add("sequence", item.sequence)
    event.add("status", item.status)
    if item.status == "CANCELLED":
        event.add("transp", "TRANSPARENT")
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.url:
        event.add("url", item.url)
    if item.organizer:
        event.add("organizer", _address(item.organizer))
    for attendee in item.attendees:
        event.add("attendee", _address(attendee, role="REQ-PARTICIPANT"))
    return event


def build_calendar(
    items: Iterable[CalendarItem],
    *,
    name: str,
    uid: str,
    description: str = "",
    method: str | None = None,
) -> bytes:
    """Serialise items as one VCALENDAR.

    `method` is None for subscribed feeds, REQUEST or CANCEL for an invitation (RFC 5546).
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.add("uid", uid)
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Amsterdam")
    if description:
        calendar.add("description", description)
        calendar.add("x-wr-caldesc", description)
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    calendar.add_component(_vtimezone())
    for item in items:
        calendar.add_component(_event(item))
    return calendar.to_ical()


def uid_host() -> str:
    """The host in every UID: stable for the installation, whatever host a request used."""
    return urlsplit(settings.SITE_URL).hostname or "mediacampus.local"


def organizer() -> Person:
    """The system sends every invitation, so it is the ORGANIZER (replies go nowhere)."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return Person(address, name)


def invitation_part(items: list[CalendarItem], *, method: str, name: str) -> MIMEText:
    """An iTIP invitation (RFC 5546) as a mail part: Outlook and Gmail show
    `text/calendar; method=REQUEST` as an invitation with the event, CANCEL as its removal."""
    body = build_calendar(items, name=name, uid=items[0].uid, method=method)
    part = MIMEText(body.decode(), "calendar", "utf-8")
    part.set_param("method", method)
    filename = "cancel.ics" if method == "CANCEL" else "invite.ics"
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part
