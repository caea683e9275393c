"""`/feeds/programmes/{slug}/schedule.json` and `.xml`: valid against the c3voc validator's
JSON schema and XSD (vendored in tests/events/c3voc_schedule/, EUPL-1.2), with
Europe/Amsterdam offsets that follow the clock changes."""

import json
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from booking.timezones import LOCAL_TZ
from tests.booking.conftest import next_clock_change
from tests.booking.factories import RoomFactory
from tests.events.conftest import future
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory

pytestmark = pytest.mark.django_db

VALIDATOR = Path(__file__).parent / "c3voc_schedule"
SCHEMA = json.loads((VALIDATOR / "schema.json").read_text())
XSD = etree.XMLSchema(etree.parse(str(VALIDATOR / "schedule.xml.xsd")))


def assert_valid_json(document: dict) -> None:
    validator = jsonschema.Draft6Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def assert_valid_xml(body: bytes) -> etree._Element:
    document = etree.fromstring(body)
    assert XSD.validate(document), XSD.error_log
    return document


def events_of(document: dict) -> list[dict]:
    days = document["schedule"]["conference"]["days"]
    return [event for day in days for events in day["rooms"].values() for event in events]


@pytest.fixture
def programme(db):
    return ProgrammeFactory(slug="dmw-2026", name="Dutch Media Week 2026")


@pytest.fixture
def studio(db):
    return RoomFactory(slug="studio-21", name="Studio 21")


def add_room_session(organiser_api, *, slug, title, start, room, hours=1, **extra):
    response = organiser_api.post(
        "/api/v1/events/",
        {
            "slug": slug,
            "title": title,
            "kind": "dmw_session",
            "theme": "media_ict",
            "programme": "dmw-2026",
            "capacity": 20,
            "sessions": [
                {
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=hours)).isoformat(),
                    "room": room,
                }
            ],
            **extra,
        },
        format="json",
    )
    assert response.status_code == 201, response.content


def test_schedule_json_is_valid_frab(client, organiser_api, programme, studio):
    start = future(days=10, hour=10)
    add_room_session(
        organiser_api,
        slug="ai-newsroom",
        title="AI in de nieuwsredactie",
        start=start,
        room="studio-21",
    )
    outside = EventFactory(programme=programme, title="Stadswandeling", slug="walk")
    SessionFactory(event=outside, start=start + timedelta(hours=3), end=start + timedelta(hours=5))

    response = client.get("/feeds/programmes/dmw-2026/schedule.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    document = response.json()
    assert_valid_json(document)
    conference = document["schedule"]["conference"]
    assert conference["acronym"] == "dmw_2026"
    assert conference["title"] == "Dutch Media Week 2026"
    assert conference["time_zone_name"] == "Europe/Amsterdam"
    assert [room["name"] for room in conference["rooms"]] == [
        "Studio 21",
        "Hilversum Media Park, Studio 21",
    ]
    talk, walk = events_of(document)
    local = start.astimezone(LOCAL_TZ)
    assert talk["title"] == "AI in de nieuwsredactie"
    assert talk["room"] == "Studio 21"
    assert talk["date"] == local.isoformat()
    assert talk["start"] == local.strftime("%H:%M")
    assert talk["duration"] == "01:00"
    assert talk["track"] == "Media & ICT"
    assert talk["url"] == "http://testserver/events/ai-newsroom/" or talk["url"].endswith(
        "/events/ai-newsroom/"
    )
    assert walk["room"] == "Hilversum Media Park, Studio 21"
    assert walk["duration"] == "02:00"
    assert len({talk["guid"], walk["guid"]}) == 2


def test_schedule_xml_is_valid_against_the_xsd(client, organiser_api, programme, studio):
    start = future(days=10, hour=10)
    add_room_session(
        organiser_api,
        slug="ai-newsroom",
        title="AI & <de> nieuwsredactie",
        start=start,
        room="studio-21",
    )

    response = client.get("/feeds/programmes/dmw-2026/schedule.xml")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    document = assert_valid_xml(response.content)
    (event,) = document.findall("day/room/event")
    assert event.findtext("title") == "AI & <de> nieuwsredactie"
    assert event.findtext("room") == "Studio 21"
    assert event.findtext("duration") == "01:00"
    assert (
        event.get("guid")
        == events_of(client.get("/feeds/programmes/dmw-2026/schedule.json").json())[0]["guid"]
    )


def test_schedule_of_an_empty_programme_is_valid(client, programme):
    json_response = client.get("/feeds/programmes/dmw-2026/schedule.json")
    xml_response = client.get("/feeds/programmes/dmw-2026/schedule.xml")

    assert_valid_json(json_response.json())
    assert_valid_xml(xml_response.content)
    assert events_of(json_response.json()) == []


def test_schedule_of_an_unknown_programme_is_404(client, db):
    assert client.get("/feeds/programmes/nope/schedule.json").status_code == 404
    assert client.get("/feeds/programmes/nope/schedule.xml").status_code == 404


def test_schedule_times_follow_the_autumn_clock_change(client, programme):
    change = next_clock_change(spring=False)  # a Sunday: 03:00 CEST becomes 02:00 CET
    event = EventFactory(programme=programme, slug="night-of-radio", title="Nacht van de radio")
    before = datetime.combine(change - timedelta(days=1), datetime.min.time(), LOCAL_TZ)
    SessionFactory(event=event, start=before.replace(hour=20), end=before.replace(hour=21))
    # 00:30 CEST until 04:30 CET is five real hours.
    night_start = datetime(change.year, change.month, change.day, 0, 30, tzinfo=LOCAL_TZ)
    night_end = datetime(change.year, change.month, change.day, 4, 30, tzinfo=LOCAL_TZ)
    SessionFactory(event=event, start=night_start, end=night_end)
    after = datetime.combine(change + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
    SessionFactory(event=event, start=after.replace(hour=20), end=after.replace(hour=21))

    document = client.get("/feeds/programmes/dmw-2026/schedule.json").json()

    assert_valid_json(document)
    saturday, night, monday = events_of(document)
    assert saturday["date"].endswith("T20:00:00+02:00")
    assert night["date"] == f"{change.isoformat()}T00:30:00+02:00"
    assert night["end"] == f"{change.isoformat()}T04:30:00+01:00"
    assert night["duration"] == "05:00"
    assert monday["date"].endswith("T20:00:00+01:00")
    change_day = document["schedule"]["conference"]["days"][1]
    assert change_day["date"] == change.isoformat()
    assert change_day["day_start"] == f"{change.isoformat()}T00:00:00+02:00"
    assert change_day["day_end"] == f"{(change + timedelta(days=1)).isoformat()}T00:00:00+01:00"
    assert_valid_xml(client.get("/feeds/programmes/dmw-2026/schedule.xml").content)


def test_schedule_in_english_uses_the_english_texts(client, programme):
    programme.title_en = "Dutch Media Week 2026 (EN)"
    programme.save()
    event = EventFactory(
        programme=programme,
        title="Podcast maken",
        title_en="Making podcasts",
        description="Over geluid.",
        description_en="About sound.",
    )
    SessionFactory(event=event)

    dutch = client.get("/feeds/programmes/dmw-2026/schedule.json").json()
    english = client.get("/feeds/programmes/dmw-2026/schedule.json?lang=en").json()

    assert events_of(dutch)[0]["title"] == "Podcast maken"
    assert events_of(dutch)[0]["language"] == "nl"
    assert events_of(english)[0]["title"] == "Making podcasts"
    assert events_of(english)[0]["description"] == "About sound."
    assert events_of(english)[0]["language"] == "en"
    assert english["schedule"]["conference"]["title"] == "Dutch Media Week 2026 (EN)"
    assert events_of(english)[0]["url"].endswith("/en/events/" + event.slug + "/")
    assert_valid_json(english)


def test_schedule_answers_conditional_requests(client, programme):
    SessionFactory(event=EventFactory(programme=programme))
    first = client.get("/feeds/programmes/dmw-2026/schedule.json")

    again = client.get("/feeds/programmes/dmw-2026/schedule.json", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


def _queries(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("extension", ["json", "xml"])
def test_schedule_queries_do_not_grow_with_the_programme(client, programme, extension):
    from events.models import Speaker

    def add(count):
        for _ in range(count):
            event = EventFactory(programme=programme)
            SessionFactory(event=event)
            SessionFactory(event=event, location_text="Museum")
            speaker = Speaker.objects.create(programme=programme, name="Sanne de Vries")
            speaker.events.add(event)

    url = f"/feeds/programmes/dmw-2026/schedule.{extension}"
    add(2)
    small = _queries(client, url)
    add(30)
    large = _queries(client, url)

    assert small == large
    assert len(client.get(url).content) > 30 * 200


def test_the_validators_refuse_a_broken_export(client, programme):
    """Control: the checks above would notice an export that breaks the format."""
    SessionFactory(event=EventFactory(programme=programme))
    document = client.get("/feeds/programmes/dmw-2026/schedule.json").json()
    del events_of(document)[0]["guid"]
    xml = etree.fromstring(client.get("/feeds/programmes/dmw-2026/schedule.xml").content)
    del xml.find("day/room/event").attrib["guid"]

    validator = jsonschema.Draft6Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(document)] == ["'guid' is a required property"]
    assert not XSD.validate(xml)
