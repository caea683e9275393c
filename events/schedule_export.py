"""A programme as a frab schedule, the format pretalx exports and the c3voc validator checks
(`validator/json/schema.json`, `validator/xsd/schedule.xml.xsd`; copies in tests/events/).

Pure functions: `schedule_data` turns loaded sessions into the JSON document's dict, and
`schedule_json` / `schedule_xml` write it. Choices the readers of the format depend on:

- every session is one schedule event; its `guid` is the one it was imported under, else a
  UUID5 of its calendar UID, so it is stable and the same in JSON, XML and across exports;
- times are Europe/Amsterdam wall-clock with their offset (`date`, `start`), so a session
  after the October change carries +01:00 and one before it +02:00; `duration` is the real
  length, also across a change;
- a day is a local calendar day, midnight to midnight (23 or 25 hours on the change days);
- a room is one of ours (its name) or the session's outside place (its text), so an export
  imported elsewhere with a room mapping gives the same sessions;
- the acronym and slugs are made to fit the validator's patterns (lower case, `_` for `-`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from xml.etree import ElementTree as ET

from django.conf import settings
from django.utils import timezone

from booking.timezones import LOCAL_TZ
from events.content import event_description, event_title, programme_name
from events.models import EventKind, Theme

SCHEMA_URL = "https://c3voc.de/schedule/schema.json"
GENERATOR = {"name": "mediacampus", "version": "1"}
TIMESLOT = "00:05"
# Characters XML 1.0 cannot carry at all; a pasted description may hold them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class ExportContext:
    """What the export needs besides the sessions: where links point, in which language."""

    language: str
    feed_url: str
    programme_url: str
    event_url: object  # callable(event) -> absolute URL


def session_guid(session) -> str:
    entry = getattr(session.event, "schedule_entry", None)
    if entry is not None:
        return str(entry.guid)
    host = settings.SITE_URL.rstrip("/")
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{host}/sessions/{session.pk}"))


def _name_guid(kind: str, name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL.rstrip('/')}/{kind}/{name}"))


def acronym(slug: str) -> str:
    # The schema allows no hyphen after the first character but in a year suffix.
    return slug.lower().replace("-", "_").ljust(4, "_")


def event_slug(conference: str, session) -> str:
    tail = re.sub(r"[^a-z0-9_-]", "", session.event.slug.lower()).strip("-_")
    return f"{conference}-{session.pk:04d}" + (f"-{tail}" if tail else "")


def room_name(session) -> str:
    return session.room.name if session.room_id else session.location_text


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment, LOCAL_TZ).replace(microsecond=0)


def hours_minutes(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day_bounds(day: date) -> tuple[str, str]:
    start = datetime.combine(day, time(0), LOCAL_TZ)
    end = datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ)
    return start.isoformat(), end.isoformat()


def speaker_person(speaker, language: str) -> dict:
    person = {
        "guid": _name_guid("speakers", str(speaker.pk)),
        "name": speaker.name,
        "public_name": speaker.name,
        "biography": speaker.bio,
        "organisation": speaker.organisation,
    }
    if speaker.photo:
        person["avatar"] = settings.SITE_URL.rstrip("/") + speaker.photo.url
    return person


def schedule_event(session, *, conference: str, context: ExportContext) -> dict:
    event = session.event
    start, end = _local(session.start), _local(session.end)
    return {
        "guid": session_guid(session),
        "id": session.pk,
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),
        "end": end.isoformat(),
        "duration": hours_minutes(session.end - session.start),
        "room": room_name(session),
        "slug": event_slug(conference, session),
        "url": context.event_url(event),
        "title": event_title(event, context.language),
        "subtitle": "",
        "track": str(Theme(event.theme).label),
        "type": str(EventKind(event.kind).label),
        "language": "en" if context.language == "en" and event.title_en else "nl",
        "abstract": "",
        "description": event_description(event, context.language),
        "recording_license": "",
        "do_not_record": None,
        "persons": [speaker_person(s, context.language) for s in event.speakers.all()],
        "links": [],
        "attachments": [],
    }


def _rooms(sessions) -> list[dict]:
    seen: dict[str, dict] = {}
    for session in sorted(sessions, key=lambda s: (s.room_id is None, room_name(s))):
        name = room_name(session)
        if name not in seen:
            room = session.room if session.room_id else None
            seen[name] = {
                "name": name,
                "guid": _name_guid("rooms", name),
                "description": room.location.name if room else None,
                "capacity": room.capacity if room else None,
            }
    return list(seen.values())


def _conference_dates(programme, sessions) -> tuple[date, date]:
    days = [_local(s.start).date() for s in sessions]
    first = programme.starts_on or (min(days) if days else timezone.localdate())
    last = programme.ends_on or (max(days) if days else first)
    return min([first, *days]), max([last, *days])


def schedule_data(programme, sessions: list, *, version: str, context: ExportContext) -> dict:
    """The frab JSON document of a programme's sessions (loaded with their event, room,
    location, schedule entry and speakers)."""
    conference = acronym(programme.slug)
    by_day: dict[date, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for session in sessions:
        by_day[_local(session.start).date()][room_name(session)].append(
            schedule_event(session, conference=conference, context=context)
        )
    first, last = _conference_dates(programme, sessions)
    rooms = _rooms(sessions)
    days = []
    for index, day in enumerate(sorted(by_day) or [first], start=1):
        day_start, day_end = _day_bounds(day)
        day_rooms = by_day.get(day, {})
        days.append(
            {
                "index": index,
                "date": day.isoformat(),
                "day_start": day_start,
                "day_end": day_end,
                "rooms": {r["name"]: day_rooms[r["name"]] for r in rooms if r["name"] in day_rooms},
            }
        )
    themes = sorted({s.event.theme for s in sessions}, key=list(Theme.values).index)
    return {
        "$schema": SCHEMA_URL,
        "generator": GENERATOR,
        "schedule": {
            "url": context.feed_url,
            "version": version,
            "base_url": settings.SITE_URL.rstrip("/") + "/",
            "conference": {
                "acronym": conference,
                "title": programme_name(programme, context.language),
                "start": first.isoformat(),
                "end": last.isoformat(),
                "daysCount": (last - first).days + 1,
                "timeslot_duration": TIMESLOT,
                "time_zone_name": str(LOCAL_TZ),
                "url": context.programme_url,
                "tracks": [
                    {"name": str(Theme(t).label), "slug": t.replace("_", "-")} for t in themes
                ],
                "rooms": rooms,
                "days": days,
            },
        },
    }


def schedule_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=1).encode()


def _text(parent: ET.Element, tag: str, value, **attributes) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: str(v) for k, v in attributes.items()})
    element.text = _NOT_XML.sub("", "" if value is None else str(value))
    return element


def schedule_xml(data: dict) -> bytes:
    """The same document as frab XML: `schedule > conference, day > room > event`."""
    schedule = data["schedule"]
    conference = schedule["conference"]
    root = ET.Element("schedule")
    ET.SubElement(root, "generator", GENERATOR)
    _text(root, "url", schedule["url"])
    _text(root, "version", schedule["version"])
    head = ET.SubElement(root, "conference")
    for tag in ("title", "acronym", "start", "end"):
        _text(head, tag, conference[tag])
    _text(head, "days", conference["daysCount"])
    _text(head, "timeslot_duration", conference["timeslot_duration"])
    _text(head, "base_url", schedule["base_url"])
    _text(head, "url", conference["url"])
    _text(head, "time_zone_name", conference["time_zone_name"])
    for track in conference["tracks"]:
        _text(head, "track", track["name"], name=track["name"], slug=track["slug"])
    guids = {room["name"]: room["guid"] for room in conference["rooms"]}
    for day in conference["days"]:
        day_element = ET.SubElement(
            root,
            "day",
            index=str(day["index"]),
            date=day["date"],
            start=day["day_start"],
            end=day["day_end"],
        )
        for name, events in day["rooms"].items():
            room = ET.SubElement(day_element, "room", name=name, guid=guids[name])
            for event in events:
                _xml_event(room, event)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _xml_event(room: ET.Element, event: dict) -> None:
    element = ET.SubElement(room, "event", guid=event["guid"], id=str(event["id"]))
    for tag in ("date", "start", "duration", "room", "slug", "url", "title", "subtitle"):
        _text(element, tag, event[tag])
    for tag in ("track", "type", "language", "abstract", "description"):
        _text(element, tag, event[tag])
    persons = ET.SubElement(element, "persons")
    for person in event["persons"]:
        _text(persons, "person", person["name"], guid=person["guid"])
    ET.SubElement(element, "links")
    ET.SubElement(element, "attachments")
