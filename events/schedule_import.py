"""Reading a frab schedule (pretalx's or frab's JSON, or frab XML) into plain talks.

Only what the import keeps is read: guid, title, abstract and description, start and
length, room name, track and persons. Anything the file gets wrong is a RegistrationError
on the `file` field that names the talk and what to fix, before anything is written.

Times: a `date` with an offset is taken as is; one without is wall-clock time in the
conference's `time_zone_name` (Europe/Amsterdam when none), and a wall-clock time that
does not exist or happens twice there is refused, as everywhere else in the API. The end
is the start plus `duration` in real time, so a talk across a clock change keeps its length.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

from booking.timezones import LOCAL_TZ, LocalTimeError, make_aware_strict
from events.errors import RegistrationError

MAX_BYTES = 5 * 1024 * 1024
# The c3voc schema every known exporter names; the hub's schema2.json is another format.
KNOWN_SCHEMA = "schema.json"
MAX_TITLE = 200
_DURATION = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")


@dataclass(frozen=True)
class SchedulePerson:
    key: str
    name: str
    bio: str = ""
    organisation: str = ""


@dataclass(frozen=True)
class ScheduleTalk:
    guid: uuid.UUID
    title: str
    description: str
    start: datetime
    end: datetime
    room: str
    track: str
    persons: tuple[SchedulePerson, ...]


def refuse(message: str) -> RegistrationError:
    return RegistrationError(message, field="file")


def parse_schedule(content: bytes) -> list[ScheduleTalk]:
    """The talks of a frab/pretalx JSON or frab XML schedule, in file order."""
    if len(content) > MAX_BYTES:
        raise refuse(_("A schedule file may be at most 5 MB."))
    text = content.lstrip()
    if text.startswith(b"{"):
        talks = _from_json(content)
    elif text.startswith(b"<"):
        talks = _from_xml(content)
    else:
        raise refuse(_("Upload a schedule in the frab or pretalx format: JSON or XML."))
    seen: set[uuid.UUID] = set()
    for talk in talks:
        if talk.guid in seen:
            raise refuse(
                _("The guid %(guid)s appears twice in the schedule.") % {"guid": talk.guid}
            )
        seen.add(talk.guid)
    return talks


def _timezone(name) -> ZoneInfo:
    if not name:
        return LOCAL_TZ
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise refuse(_("Unknown time zone %(name)s in the schedule.") % {"name": name}) from None


def _moment(value, tz: ZoneInfo, title: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
        return make_aware_strict(moment, tz)
    except LocalTimeError as error:
        raise refuse(f"{title}: {error.message}") from None
    except ValueError:
        raise refuse(
            _("%(title)s: %(value)s is not a date and time.") % {"title": title, "value": value}
        ) from None


def _length(value, title: str) -> timedelta:
    match = _DURATION.match(str(value or ""))
    if match is None or match.group(0) in ("0:00", "00:00", "000:00"):
        raise refuse(
            _("%(title)s: give the duration as hours:minutes, such as 01:30.") % {"title": title}
        )
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _talk(*, guid, title, abstract, description, date, duration, room, track, persons, tz):
    title = " ".join(str(title or "").split())
    if not title:
        raise refuse(_("A talk in the schedule has no title."))
    if len(title) > MAX_TITLE:
        raise refuse(
            _("%(title)s: a title may be at most %(max)s characters.")
            % {"title": title[:60] + "…", "max": MAX_TITLE}
        )
    try:
        key = uuid.UUID(str(guid))
    except ValueError:
        raise refuse(
            _("%(title)s: its guid is missing or not a UUID.") % {"title": title}
        ) from None
    start = _moment(date, tz, title).astimezone(ZoneInfo("UTC"))
    text = "\n\n".join(part.strip() for part in (abstract or "", description or "") if part.strip())
    return ScheduleTalk(
        guid=key,
        title=title,
        description=text,
        start=start,
        end=start + _length(duration, title),
        room=str(room or "").strip(),
        track=str(track or "").strip(),
        persons=tuple(persons),
    )


def _json_person(person) -> SchedulePerson | None:
    if not isinstance(person, dict):
        return None
    name = str(person.get("name") or person.get("public_name") or "").strip()
    if not name:
        return None
    key = person.get("code") or person.get("guid") or person.get("id") or name
    return SchedulePerson(
        key=str(key)[:100],
        name=name[:200],
        bio=str(person.get("biography") or ""),
        organisation=str(person.get("organisation") or "")[:200],
    )


def _from_json(content: bytes) -> list[ScheduleTalk]:
    try:
        document = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        raise refuse(_("The schedule is not valid JSON.")) from None
    schema = document.get("$schema") if isinstance(document, dict) else None
    if schema is not None and str(schema).rsplit("/", 1)[-1] != KNOWN_SCHEMA:
        raise refuse(
            _("Unknown schedule schema %(schema)s: export the c3voc schedule (schema.json).")
            % {"schema": schema}
        )
    try:
        conference = document["schedule"]["conference"]
        rooms_by_day = [day["rooms"] for day in conference["days"]]
    except (KeyError, TypeError):
        rooms_by_day = None
    if rooms_by_day is None or not all(isinstance(rooms, dict) for rooms in rooms_by_day):
        raise refuse(_("The JSON is not a frab schedule: schedule.conference.days is missing."))
    tz = _timezone(conference.get("time_zone_name"))
    talks = []
    for rooms in rooms_by_day:
        for room, events in rooms.items():
            for event in events if isinstance(events, list) else []:
                if not isinstance(event, dict):
                    continue
                persons = [_json_person(p) for p in event.get("persons") or []]
                talks.append(
                    _talk(
                        guid=event.get("guid"),
                        title=event.get("title"),
                        abstract=event.get("abstract"),
                        description=event.get("description"),
                        date=event.get("date"),
                        duration=event.get("duration"),
                        room=event.get("room") or room,
                        track=event.get("track"),
                        persons=[p for p in persons if p],
                        tz=tz,
                    )
                )
    return talks


def _from_xml(content: bytes) -> list[ScheduleTalk]:
    # No DTDs: entity expansion is how an upload of a few bytes becomes gigabytes.
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise refuse(_("The schedule XML may not contain a DOCTYPE."))
    try:
        # Safe without defusedxml: no DTD gets here, and expat does not fetch external ones.
        root = ET.fromstring(content)  # noqa: S314
    except ET.ParseError:
        raise refuse(_("The schedule is not well-formed XML.")) from None
    if root.tag != "schedule":
        raise refuse(_("The XML is not a frab schedule: its root is not <schedule>."))
    tz = _timezone(root.findtext("conference/time_zone_name"))
    talks = []
    for room in root.iterfind("day/room"):
        for event in room.iterfind("event"):
            persons = [
                SchedulePerson(
                    key=(person.get("guid") or person.get("id") or name)[:100], name=name[:200]
                )
                for person in event.iterfind("persons/person")
                if (name := (person.text or "").strip())
            ]
            talks.append(
                _talk(
                    guid=event.get("guid"),
                    title=event.findtext("title"),
                    abstract=event.findtext("abstract"),
                    description=event.findtext("description"),
                    date=event.findtext("date"),
                    duration=event.findtext("duration"),
                    room=event.findtext("room") or room.get("name"),
                    track=event.findtext("track"),
                    persons=persons,
                    tz=tz,
                )
            )
    return talks
