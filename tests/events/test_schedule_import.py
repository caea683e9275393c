"""`POST /api/v1/programmes/{slug}/import/` and `manage.py import_schedule`: real pretalx and
frab exports in, re-imports with changes, all or nothing, and the round trip through our
own export."""

import copy
import io
import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.models import OutboxMail
from booking.models import Booking
from events.models import Event, ScheduleEntry, Session, Speaker
from tests.booking.factories import RoomFactory
from tests.events.conftest import api_for, future
from tests.factories import EventFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).parent / "c3voc_schedule"
URL = "/api/v1/programmes/dmw-2026/import/"


@pytest.fixture
def programme(organiser):
    # The organiser owns it: an import or a speaker's photo is its owners' business.
    return ProgrammeFactory(slug="dmw-2026", name="Dutch Media Week 2026", owners=[organiser])


@pytest.fixture
def studio(db):
    return RoomFactory(slug="studio-21", name="Studio 21", capacity=40)


def talk(title, start, *, hours=1, room="Studio A", persons=(), track="Media & ICT"):
    return {
        "guid": str(uuid.uuid5(uuid.NAMESPACE_URL, title)),
        "id": 1,
        "date": start.isoformat(),
        "start": start.strftime("%H:%M"),
        "duration": f"{hours:02d}:00",
        "room": room,
        "slug": "dmw-" + title.lower().replace(" ", "-"),
        "url": "https://pretalx.example.org/dmw/talk/1/",
        "title": title,
        "subtitle": "",
        "track": track,
        "type": "Talk",
        "language": "nl",
        "abstract": f"Over {title}.",
        "description": "",
        "persons": list(persons),
        "links": [],
        "attachments": [],
    }


def schedule(*talks):
    rooms: dict[str, list] = {}
    for item in talks:
        rooms.setdefault(item["room"], []).append(item)
    day = talks[0]["date"][:10] if talks else "2026-03-02"
    return {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "schedule": {
            "version": "1",
            "conference": {
                "acronym": "dmw_2026",
                "title": "DMW",
                "start": day,
                "end": day,
                "daysCount": 1,
                "timeslot_duration": "00:05",
                "time_zone_name": "Europe/Amsterdam",
                "days": [
                    {
                        "index": 1,
                        "date": day,
                        "day_start": f"{day}T00:00:00+01:00",
                        "day_end": f"{day}T23:59:00+01:00",
                        "rooms": rooms,
                    }
                ],
            },
        },
    }


def upload(api, document, *, rooms=None, url=URL, name="schedule.json"):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    data = {"file": io.BytesIO(body)}
    data["file"].name = name
    if rooms is not None:
        data["rooms"] = json.dumps(rooms)
    return api.post(url, data, format="multipart")


@pytest.fixture
def three_talks():
    start = future(days=12, hour=10)
    speaker = {"code": "ABC123", "name": "Sanne de Vries", "biography": "Maakt podcasts."}
    return [
        talk("Podcast maken", start, persons=[speaker]),
        talk("AI in de redactie", start + timedelta(hours=2)),
        talk("Stadswandeling", start + timedelta(hours=1), room="Buiten"),
    ]


def test_import_creates_one_event_and_session_per_talk(
    organiser_api, programme, studio, three_talks
):
    response = upload(organiser_api, schedule(*three_talks), rooms={"Studio A": "studio-21"})

    assert response.status_code == 200, response.content
    assert response.json() == {"created": 3, "updated": 0, "cancelled": 0, "unchanged": 0}
    podcast = Event.objects.get(title="Podcast maken")
    assert podcast.kind == "dmw_session"
    assert podcast.theme == "media_ict"
    assert podcast.description == "Over Podcast maken."
    assert podcast.capacity == 40
    (session,) = podcast.sessions.all()
    assert session.room == studio
    assert session.booking.room == studio
    assert session.start == datetime.fromisoformat(three_talks[0]["date"])
    assert session.end - session.start == timedelta(hours=1)
    walk = Session.objects.get(event__title="Stadswandeling")
    assert walk.room is None
    assert walk.location_text == "Buiten"
    # A place outside our rooms sets no capacity: the organiser decides.
    assert walk.event.capacity == 0
    assert ScheduleEntry.objects.get(event=podcast).guid == uuid.UUID(three_talks[0]["guid"])
    assert [s.name for s in podcast.speakers.all()] == ["Sanne de Vries"]
    detail = organiser_api.get(f"/api/v1/events/{podcast.slug}/").json()
    assert detail["speakers"] == [
        {"name": "Sanne de Vries", "organisation": "", "bio": "Maakt podcasts."}
    ]


def test_reimport_of_the_same_file_changes_nothing(organiser_api, programme, studio, three_talks):
    document = schedule(*three_talks)
    upload(organiser_api, document, rooms={"Studio A": "studio-21"})
    before = list(Session.objects.values_list("pk", "sequence", "updated_at", "booking_id"))

    response = upload(organiser_api, document, rooms={"Studio A": "studio-21"})

    assert response.json() == {"created": 0, "updated": 0, "cancelled": 0, "unchanged": 3}
    assert list(Session.objects.values_list("pk", "sequence", "updated_at", "booking_id")) == before


def test_reimport_moves_retitles_and_cancels_in_place(
    organiser_api, programme, studio, three_talks
):
    upload(organiser_api, schedule(*three_talks), rooms={"Studio A": "studio-21"})
    podcast, ai, walk = (Event.objects.get(title=t["title"]) for t in three_talks)
    # An outside place has no seats until the organiser gives it some.
    assert organiser_api.patch(f"/api/v1/events/{walk.slug}/", {"capacity": 10}).status_code == 200
    people = [UserFactory(language="nl") for _ in range(2)]
    for person, event in zip(people, (podcast, walk), strict=True):
        api_for(person).post(f"/api/v1/events/{event.slug}/register/")
    OutboxMail.objects.all().delete()
    podcast_session = podcast.sessions.get()
    old_booking = podcast_session.booking_id
    moved, retitled = copy.deepcopy(three_talks[0]), copy.deepcopy(three_talks[1])
    new_start = future(days=13, hour=14)
    moved["date"] = new_start.isoformat()
    retitled["title"] = "AI in de nieuwsredactie"

    response = upload(organiser_api, schedule(moved, retitled), rooms={"Studio A": "studio-21"})

    assert response.json() == {"created": 0, "updated": 2, "cancelled": 1, "unchanged": 0}
    podcast_session.refresh_from_db()
    assert podcast_session.start == new_start
    assert podcast_session.sequence == 1
    assert Booking.objects.get(pk=old_booking).start == new_start
    ai.refresh_from_db()
    assert ai.title == "AI in de nieuwsredactie"
    assert ai.sessions.get().sequence == 1
    assert not walk.sessions.exists()
    walk.refresh_from_db()
    assert walk.registration_closes is not None
    assert sorted(OutboxMail.objects.values_list("kind", "payload__user")) == sorted(
        [("session.moved", people[0].pk), ("session.removed", people[1].pk)]
    )
    # The cancelled talk coming back is an update, not a second event.
    again = upload(organiser_api, schedule(*three_talks), rooms={"Studio A": "studio-21"})
    assert again.json() == {"created": 0, "updated": 3, "cancelled": 0, "unchanged": 0}
    assert Event.objects.count() == 3


def test_import_that_clashes_lists_every_clash_and_keeps_nothing(
    organiser_api, programme, studio, three_talks
):
    for item in three_talks[:2]:
        start = future(days=12, hour=10) if item is three_talks[0] else future(days=12, hour=12)
        response = api_for(UserFactory(affiliation="hu")).post(
            "/api/v1/bookings/",
            {
                "room": "studio-21",
                "start": (start + timedelta(minutes=30)).isoformat(),
                "end": (start + timedelta(minutes=60)).isoformat(),
                "title": "Opname",
                "attendees": 2,
            },
            format="json",
        )
        assert response.status_code == 201

    response = upload(organiser_api, schedule(*three_talks), rooms={"Studio A": "studio-21"})

    assert response.status_code == 409
    assert len(response.json()["conflicts"]) == 2
    assert Event.objects.count() == 0
    assert Speaker.objects.count() == 0
    assert Booking.objects.count() == 2


def test_talks_that_clash_with_each_other_are_refused(organiser_api, programme, studio):
    start = future(days=12, hour=10)
    response = upload(
        organiser_api,
        schedule(talk("Een", start), talk("Twee", start + timedelta(minutes=30))),
        rooms={"Studio A": "studio-21"},
    )

    assert response.status_code == 409
    assert Event.objects.count() == 0


def test_talks_may_trade_rooms_on_reimport(organiser_api, programme, studio):
    other = RoomFactory(slug="studio-22", name="Studio 22")
    start = future(days=12, hour=10)
    first = [talk("Een", start), talk("Twee", start, room="Studio B")]
    rooms = {"Studio A": "studio-21", "Studio B": "studio-22"}
    upload(organiser_api, schedule(*first), rooms=rooms)
    traded = copy.deepcopy(first)
    traded[0]["room"], traded[1]["room"] = "Studio B", "Studio A"

    response = upload(organiser_api, schedule(*traded), rooms=rooms)

    assert response.json()["updated"] == 2
    assert Session.objects.get(event__title="Een").room == other
    assert Session.objects.get(event__title="Twee").room == studio


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not a schedule", "file"),
        (b'{"schedule": {}}', "file"),
        (b"<schedule><day><room", "file"),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><schedule/>', "file"),
        (json.dumps({"$schema": "https://c3voc.de/schedule/schema2.json"}).encode(), "file"),
        (b" " * (5 * 1024 * 1024 + 1), "file"),
    ],
)
def test_an_invalid_file_is_a_400_naming_it(organiser_api, programme, body, field):
    response = upload(organiser_api, body)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Event.objects.count() == 0


def test_a_talk_without_guid_or_with_a_bad_time_is_a_400(organiser_api, programme, three_talks):
    no_guid = copy.deepcopy(three_talks[0])
    del no_guid["guid"]
    gap = copy.deepcopy(three_talks[1])
    gap["date"] = "2026-03-29T02:30:00"  # the spring gap, without an offset

    for document in (schedule(no_guid), schedule(gap)):
        response = upload(organiser_api, document)
        assert response.status_code == 400
        assert response.json()["file"][0].startswith(
            document["schedule"]["conference"]["days"][0]["rooms"]["Studio A"][0]["title"]
        )


def test_an_unknown_room_slug_is_a_400(organiser_api, programme, three_talks):
    response = upload(organiser_api, schedule(*three_talks), rooms={"Studio A": "nope"})

    assert response.status_code == 400
    assert "nope" in response.json()["rooms"][0]
    bad = upload(organiser_api, schedule(*three_talks), rooms={"Studio A": 3})
    assert bad.status_code == 400
    assert list(bad.json()) == ["rooms"]


def test_only_event_organisers_import(programme, three_talks):
    response = upload(api_for(UserFactory()), schedule(*three_talks))

    assert response.status_code == 403
    assert Event.objects.count() == 0


def test_the_room_mapping_is_remembered(organiser_api, programme, studio, three_talks):
    upload(organiser_api, schedule(three_talks[0]), rooms={"Studio A": "studio-21"})

    response = upload(organiser_api, schedule(*three_talks[:2]))

    assert response.json()["created"] == 1
    assert Session.objects.get(event__title="AI in de redactie").room == studio


def test_a_real_pretalx_export_imports(organiser_api, programme):
    document = json.loads((EXAMPLES / "pretalx-democon.json").read_text())
    talks = [
        e
        for day in document["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for e in events
    ]

    response = upload(organiser_api, document)

    assert response.status_code == 200, response.content
    assert response.json()["created"] == len(talks)
    first = Session.objects.get(event__schedule_entry__guid=talks[0]["guid"])
    assert first.start.isoformat() == "2020-12-14T08:00:00+00:00"
    assert first.location_text == talks[0]["room"]
    names = {p["public_name"] for t in talks for p in t["persons"]}
    assert set(Speaker.objects.values_list("name", flat=True)) == names
    again = upload(organiser_api, document)
    assert again.json() == {"created": 0, "updated": 0, "cancelled": 0, "unchanged": len(talks)}


def test_a_real_frab_export_imports_with_the_command(organiser, programme):
    out = io.StringIO()

    call_command(
        "import_schedule",
        str(EXAMPLES / "frab-camp2019.json"),
        programme="dmw-2026",
        actor=organiser.email,
        stdout=out,
    )

    assert json.loads(out.getvalue()) == {
        "created": 79,
        "updated": 0,
        "cancelled": 0,
        "unchanged": 0,
    }
    assert Event.objects.filter(programme=programme, kind="dmw_session").count() == 79


def test_export_then_import_into_a_fresh_programme_gives_the_same_sessions(
    client, organiser, organiser_api, programme, studio, three_talks
):
    upload(organiser_api, schedule(*three_talks), rooms={"Studio A": "studio-21"})
    twin = RoomFactory(slug="studio-21b", name="Studio 21 bis")
    ProgrammeFactory(slug="dmw-2027", owners=[organiser])

    def sessions(slug):
        return sorted(
            (
                s.event.title,
                s.start,
                s.end,
                s.location_text,
                [p.name for p in s.event.speakers.all()],
            )
            for s in Session.objects.filter(event__programme__slug=slug).select_related("event")
        )

    for extension in ("json", "xml"):
        exported = client.get(f"/feeds/programmes/dmw-2026/schedule.{extension}").content
        response = upload(
            organiser_api,
            exported,
            rooms={"Studio 21": "studio-21b"},
            url="/api/v1/programmes/dmw-2027/import/",
            name=f"schedule.{extension}",
        )
        assert response.status_code == 200, response.content
        assert sessions("dmw-2027") == sessions("dmw-2026")
        assert set(
            Session.objects.filter(event__programme__slug="dmw-2027").values_list("room", flat=True)
        ) == {twin.pk, None}
    # The XML import found the events the JSON import made: same guids.
    assert response.json() == {"created": 0, "updated": 0, "cancelled": 0, "unchanged": 3}


def test_manage_page_imports_and_remembers_the_room_mapping(
    organiser_client, programme, studio, three_talks
):
    body = json.dumps(schedule(*three_talks)).encode()
    page = organiser_client.get("/manage/schedule/")
    assert page.status_code == 200
    assert "Programma importeren" in page.content.decode()

    response = organiser_client.post(
        "/manage/schedule/",
        {
            "programme": "dmw-2026",
            "file": io.BytesIO(body),
            "rooms": "Studio A = studio-21\n",
        },
        follow=True,
    )

    assert response.redirect_chain == [("/manage/schedule/?programme=dmw-2026", 302)]
    assert "3 nieuw, 0 gewijzigd, 0 geannuleerd, 0 ongewijzigd" in response.content.decode()
    assert Session.objects.get(event__title="Podcast maken").room == studio
    english = organiser_client.get("/en/manage/schedule/?programme=dmw-2026").content.decode()
    assert "Import a schedule" in english
    assert "Studio A = studio-21</textarea>" in english


def test_manage_page_shows_clashes_and_bad_mappings(
    organiser_client, programme, studio, three_talks
):
    body = json.dumps(
        schedule(talk("Een", future(days=12, hour=10)), talk("Twee", future(days=12, hour=10)))
    ).encode()

    clash = organiser_client.post(
        "/manage/schedule/",
        {"programme": "dmw-2026", "file": io.BytesIO(body), "rooms": "Studio A = studio-21"},
    )
    bad = organiser_client.post(
        "/manage/schedule/",
        {"programme": "dmw-2026", "file": io.BytesIO(body), "rooms": "Studio A studio-21"},
    )

    assert clash.status_code == 200
    assert "botst met reserveringen" in clash.content.decode()
    assert bad.status_code == 200
    assert (
        "Regel 1: schrijf de naam van de zaal, =, en de slug van een ruimte."
        in bad.content.decode()
    )
    assert Event.objects.count() == 0


def test_manage_page_is_for_organisers_only(client, programme):
    client.force_login(UserFactory())

    assert client.get("/manage/schedule/").status_code == 403


def test_an_organiser_who_does_not_own_the_programme_cannot_import_into_it(programme, three_talks):
    # Another organiser's import would change and cancel the owners' imported events.
    stranger = api_for(UserFactory(groups=["event_organisers"]))

    response = upload(stranger, schedule(*three_talks))

    assert response.status_code == 403
    assert "owners of this programme" in response.json()["detail"]
    assert Event.objects.count() == 0


def test_reimport_without_two_talks_cancels_both_and_closes_their_registration(
    organiser_api, programme, studio, three_talks
):
    upload(organiser_api, schedule(*three_talks), rooms={"Studio A": "studio-21"})
    dropped = [Event.objects.get(title=t["title"]) for t in three_talks[1:]]
    opens = future(days=1)
    for event in dropped:
        patched = organiser_api.patch(
            f"/api/v1/events/{event.slug}/",
            {"registration_opens": opens.isoformat()},
            format="json",
        )
        assert patched.status_code == 200

    response = upload(organiser_api, schedule(three_talks[0]), rooms={"Studio A": "studio-21"})

    assert response.json() == {"created": 0, "updated": 0, "cancelled": 2, "unchanged": 1}
    for event in dropped:
        event.refresh_from_db()
        assert not event.sessions.exists()
        assert event.registration_opens is None
        assert event.registration_closes is not None


def test_reimport_updates_what_the_file_says_of_a_speaker_and_keeps_what_it_leaves_out(
    organiser_api, programme, studio
):
    start = future(days=12, hour=10)
    # Another programme's speaker with the same schedule key is another person.
    other = Speaker.objects.create(
        programme=ProgrammeFactory(slug="dmw-2025"), external_id="ABC123", name="Ander"
    )
    person = {"code": "ABC123", "name": "Sanne", "biography": "Maakt podcasts.",
              "organisation": "NPO"}  # fmt: skip
    rooms = {"Studio A": "studio-21"}
    upload(organiser_api, schedule(talk("Podcast maken", start, persons=[person])), rooms=rooms)
    speaker = Speaker.objects.get(programme=programme)
    assert (speaker.name, speaker.bio, speaker.organisation) == ("Sanne", "Maakt podcasts.", "NPO")

    changed = {"code": "ABC123", "name": "Sanne de Vries", "biography": "",
               "organisation": "BNNVARA"}  # fmt: skip
    response = upload(
        organiser_api, schedule(talk("Podcast maken", start, persons=[changed])), rooms=rooms
    )

    assert response.status_code == 200, response.content
    speaker_after = Speaker.objects.get(programme=programme)
    assert speaker_after.pk == speaker.pk
    assert (speaker_after.name, speaker_after.bio, speaker_after.organisation) == (
        "Sanne de Vries",
        "Maakt podcasts.",
        "BNNVARA",
    )
    assert speaker_after.updated_at > speaker.updated_at
    assert Speaker.objects.get(pk=other.pk).name == "Ander"


def test_reimport_with_only_another_speaker_changes_the_events_speakers(
    organiser_api, programme, studio
):
    start = future(days=12, hour=10)
    sanne = {"code": "ABC123", "name": "Sanne"}
    piet = {"code": "DEF456", "name": "Piet"}
    rooms = {"Studio A": "studio-21"}
    upload(organiser_api, schedule(talk("Podcast maken", start, persons=[sanne])), rooms=rooms)
    event = Event.objects.get(title="Podcast maken")

    response = upload(
        organiser_api, schedule(talk("Podcast maken", start, persons=[sanne, piet])), rooms=rooms
    )

    assert response.json() == {"created": 0, "updated": 1, "cancelled": 0, "unchanged": 0}
    changed = Event.objects.get(pk=event.pk)
    assert sorted(s.name for s in changed.speakers.all()) == ["Piet", "Sanne"]
    assert changed.updated_at > event.updated_at


def test_a_talk_whose_slug_is_taken_by_an_event_made_by_hand_gets_a_longer_one(
    organiser_api, programme, studio
):
    item = talk("Podcast maken", future(days=12, hour=10))
    guid = uuid.UUID(item["guid"]).hex
    EventFactory(slug=f"dmw-2026-podcast-maken-{guid[:8]}", programme=programme)

    response = upload(organiser_api, schedule(item), rooms={"Studio A": "studio-21"})

    assert response.status_code == 200, response.content
    assert ScheduleEntry.objects.get().event.slug == f"dmw-2026-podcast-maken-{guid[:16]}"
