"""The schedule import on its limits: what a talk's room gives its session, talks that trade
slots within one import, a refusal naming the talk, speakers, slugs of a long programme slug,
and a re-import's fixed number of queries. Written against mutmut's survivors."""

import copy
import json
import uuid
from datetime import timedelta

import pytest

from booking.models import Booking
from events.models import Event, ScheduleEntry, Session, Speaker
from events.schedule_import import parse_schedule
from events.services.schedule import _speakers, import_schedule
from tests.booking.factories import RoomFactory
from tests.events.conftest import future
from tests.events.test_schedule_import import schedule, talk, upload
from tests.factories import EventFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

ROOMS = {"Studio A": "studio-21"}


@pytest.fixture
def programme(organiser):
    return ProgrammeFactory(slug="dmw-2026", owners=[organiser])


@pytest.fixture
def studio(db):
    # Its location opens at 07:00.
    return RoomFactory(slug="studio-21", name="Studio 21", capacity=40)


def test_an_unknown_room_slug_is_a_400_naming_it(organiser_api, programme):
    item = talk("Podcast maken", future(days=12, hour=10))

    response = upload(organiser_api, schedule(item), rooms={"Studio A": "nope"})

    assert response.status_code == 400
    assert response.json() == {"rooms": ["Unknown room nope in the room mapping."]}


def test_a_talk_in_a_room_has_no_place_text_and_one_elsewhere_keeps_200_characters_of_it(
    organiser_api, programme, studio
):
    start = future(days=12, hour=10)
    place = "Buiten, " + "bij de vijver " * 20  # 288 characters

    response = upload(
        organiser_api,
        schedule(talk("Podcast maken", start), talk("Wandeling", start, room=place)),
        rooms=ROOMS,
    )

    assert response.status_code == 200, response.content
    assert Session.objects.get(event__title="Podcast maken").location_text == ""
    assert Session.objects.get(event__title="Wandeling").location_text == place[:200]


def test_a_talk_for_a_room_of_one_holds_it_for_one(organiser_api, programme):
    RoomFactory(slug="studio-21", capacity=1)

    response = upload(organiser_api, schedule(talk("Interview", future(days=12))), rooms=ROOMS)

    assert response.status_code == 200, response.content
    assert Booking.objects.get().attendees == 1


def test_a_talk_of_no_length_is_a_400_naming_it(organiser_api, programme):
    # The parser refuses "00:00" but lets "00:00:00" through; the import refuses it.
    item = talk("Niets", future(days=12, hour=10), room="Buiten")
    item["duration"] = "00:00:00"

    response = upload(organiser_api, schedule(item))

    assert response.status_code == 400
    assert response.json() == {"file": ["Niets: A session must end after it starts."]}
    assert not Event.objects.exists()


def test_a_known_talk_moved_outside_opening_hours_is_a_400_naming_it(
    organiser_api, programme, studio
):
    item = talk("Ochtendgloren", future(days=12, hour=10))
    upload(organiser_api, schedule(item), rooms=ROOMS)
    early = copy.deepcopy(item)
    early["date"] = future(days=12, hour=5).isoformat()

    response = upload(organiser_api, schedule(early), rooms=ROOMS)

    assert response.status_code == 400
    assert response.json() == {
        "file": [f"Ochtendgloren: {studio.location.name} is not open for the whole of this time."]
    }
    assert Session.objects.get().start == future(days=12, hour=10)


def test_a_new_talk_takes_the_slot_a_known_talk_leaves(organiser_api, programme, studio):
    known = talk("Podcast maken", future(days=12, hour=10))
    upload(organiser_api, schedule(known), rooms=ROOMS)
    moved = copy.deepcopy(known)
    moved["date"] = future(days=12, hour=14).isoformat()
    new = talk("AI in de redactie", future(days=12, hour=10))

    response = upload(organiser_api, schedule(moved, new), rooms=ROOMS)

    assert response.json() == {"created": 1, "updated": 1, "cancelled": 0, "unchanged": 0}
    assert Session.objects.get(event__title="AI in de redactie").booking.start == future(
        days=12, hour=10
    )


def test_a_talk_back_in_the_schedule_takes_the_slot_a_known_talk_leaves(
    organiser_api, programme, studio
):
    staying, returning = (
        talk("Blijft", future(days=12, hour=10)),
        talk("Terug", future(days=12, hour=14)),
    )
    upload(organiser_api, schedule(staying, returning), rooms=ROOMS)
    upload(organiser_api, schedule(staying), rooms=ROOMS)
    moved = copy.deepcopy(staying)
    moved["date"] = future(days=12, hour=16).isoformat()
    into = copy.deepcopy(returning)
    into["date"] = staying["date"]

    # The returning talk comes first: the slot is still held when it is booked.
    response = upload(organiser_api, schedule(into, moved), rooms=ROOMS)

    assert response.json() == {"created": 0, "updated": 2, "cancelled": 0, "unchanged": 0}
    booking = Session.objects.get(event__title="Terug").booking
    # The event's booking, nobody's, with the importer's affiliation kept for reports.
    assert (booking.start, booking.user, booking.affiliation) == (
        future(days=12, hour=10),
        None,
        "hu",
    )


def test_a_programme_with_a_long_slug_finds_the_slugs_its_talks_took(organiser, organiser_api):
    # Event slugs cut the programme's slug at 60 characters: the taken ones are found so.
    slug = "dmw-" + "a" * 70
    ProgrammeFactory(slug=slug, owners=[organiser])
    item = talk("Podcast maken", future(days=12, hour=10))
    guid = uuid.UUID(item["guid"]).hex
    EventFactory(slug=f"{slug[:60]}-{guid[:8]}")

    response = upload(organiser_api, schedule(item), url=f"/api/v1/programmes/{slug}/import/")

    assert response.status_code == 200, response.content
    assert ScheduleEntry.objects.get().event.slug == f"{slug[:60]}-{guid[:16]}"


def test_the_speakers_read_are_the_schedules_people_only(programme):
    Speaker.objects.create(programme=programme, external_id="OLD", name="Oud")
    known = Speaker.objects.create(programme=programme, external_id="ABC", name="Sanne")
    item = talk("Podcast maken", future(days=12), persons=[{"code": "ABC", "name": "Sanne"}])

    speakers = _speakers(programme, parse_schedule(json.dumps(schedule(item)).encode()))

    assert speakers == {"ABC": known}


def test_a_reimport_updates_a_known_speaker_listed_after_a_new_one(
    organiser_api, programme, studio
):
    start = future(days=12, hour=10)
    sanne = {"code": "ABC", "name": "Sanne"}
    upload(organiser_api, schedule(talk("Podcast maken", start, persons=[sanne])), rooms=ROOMS)
    people = [{"code": "NEW", "name": "Piet"}, {**sanne, "name": "Sanne de Vries"}]

    upload(organiser_api, schedule(talk("Podcast maken", start, persons=people)), rooms=ROOMS)

    assert dict(Speaker.objects.values_list("external_id", "name")) == {
        "ABC": "Sanne de Vries",
        "NEW": "Piet",
    }


def test_a_reimport_that_moves_keeps_and_drops_talks_takes_a_fixed_number_of_queries(
    organiser, programme, studio, django_assert_num_queries
):
    start = future(days=12, hour=10)
    sanne = {"code": "ABC", "name": "Sanne"}
    moved, kept, dropped = (
        talk(title, start + timedelta(hours=hour), persons=[sanne])
        for title, hour in (("Verschoven", 0), ("Blijft", 2), ("Vervalt", 4))
    )

    def run(*talks):
        talks = parse_schedule(json.dumps(schedule(*talks)).encode())
        return import_schedule(actor=organiser, programme=programme, talks=talks, room_map=ROOMS)

    run(moved, kept, dropped)
    moved["date"] = (start + timedelta(hours=6)).isoformat()

    with django_assert_num_queries(62):
        result = run(moved, kept)

    assert result == {"created": 0, "updated": 1, "cancelled": 1, "unchanged": 1}


def test_a_new_talk_where_a_known_talk_moves_to_is_listed_with_the_clashes(
    organiser_api, programme, studio
):
    known = talk("Podcast maken", future(days=12, hour=10))
    upload(organiser_api, schedule(known), rooms=ROOMS)
    moved = copy.deepcopy(known)
    moved["date"] = future(days=12, hour=14).isoformat()
    new = talk("AI in de redactie", future(days=12, hour=14))

    response = upload(organiser_api, schedule(moved, new), rooms=ROOMS)

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "The schedule clashes with bookings of the mapped rooms (1 clashes); nothing was imported."
    )
    assert len(response.json()["conflicts"]) == 1
    assert Session.objects.get().start == future(days=12, hour=10)
