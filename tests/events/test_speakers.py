"""Speakers (name, organisation, bio, photo) on the event page, in the API, the iCalendar
feeds and the schedule export; and the English title and description of events and
programmes on English pages and feeds."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from events.models import Event, Speaker
from tests.booking.test_photos import png_claiming
from tests.events.conftest import api_for, future
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(organiser):
    # The organiser owns it: an import or a speaker's photo is its owners' business.
    return ProgrammeFactory(slug="dmw-2026", name="Dutch Media Week 2026", owners=[organiser])


@pytest.fixture
def talk(programme):
    event = EventFactory(
        programme=programme,
        slug="podcast-maken",
        title="Podcast maken",
        title_en="Making podcasts",
        description="Over geluid.",
        description_en="About sound.",
    )
    SessionFactory(event=event, start=future(days=5), end=future(days=5, hour=12))
    sanne = Speaker.objects.create(
        programme=programme,
        name="Sanne de Vries",
        organisation="NPO",
        bio="Maakt podcasts sinds 2015.",
    )
    sanne.events.add(event)
    return event


def jpeg(size=(300, 200)) -> bytes:
    output = BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(output, format="JPEG")
    return output.getvalue()


def test_api_lists_speakers_on_events_and_sessions(client, talk):
    expected = [
        {"name": "Sanne de Vries", "organisation": "NPO", "bio": "Maakt podcasts sinds 2015."}
    ]

    detail = client.get("/api/v1/events/podcast-maken/").json()
    listed = client.get("/api/v1/events/?programme=dmw-2026").json()["results"][0]

    assert detail["speakers"] == expected
    assert detail["sessions"][0]["speakers"] == expected
    assert listed["speakers"] == expected


def test_event_list_queries_do_not_grow_with_speakers(client, programme, talk):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/events/").status_code == 200
        return len(captured)

    count()
    few = count()
    for n in range(10):
        event = EventFactory(programme=programme)
        SessionFactory(event=event)
        Speaker.objects.create(programme=programme, name=f"Spreker {n}").events.add(event)

    assert count() == few


def test_event_page_shows_speakers_in_both_languages(client, talk):
    dutch = client.get("/events/podcast-maken/").content.decode()
    english = client.get("/en/events/podcast-maken/").content.decode()

    assert "Sprekers" in dutch
    assert "<strong>Sanne de Vries</strong>, NPO" in dutch
    assert "Maakt podcasts sinds 2015." in dutch
    assert "<h1>Podcast maken</h1>" in dutch
    assert "Speakers" in english
    assert "<h1>Making podcasts</h1>" in english
    assert "About sound." in english


def test_feeds_name_the_speakers_and_speak_english_on_request(client, talk):
    dutch = client.get("/feeds/events/podcast-maken.ics").content.decode()
    english = client.get("/feeds/programmes/dmw-2026.ics?lang=en").content.decode()

    unfolded = dutch.replace("\r\n ", "")
    assert "SUMMARY:Podcast maken" in unfolded
    assert "Sprekers: Sanne de Vries (NPO)" in unfolded
    english = english.replace("\r\n ", "")
    assert "SUMMARY:Making podcasts" in english
    assert "About sound.\\n\\nSpeakers: Sanne de Vries (NPO)" in english


def test_schedule_export_lists_the_speakers(client, talk):
    document = client.get("/feeds/programmes/dmw-2026/schedule.json").json()

    (event,) = [
        e
        for d in document["schedule"]["conference"]["days"]
        for r in d["rooms"].values()
        for e in r
    ]
    assert [(p["name"], p["organisation"], p["biography"]) for p in event["persons"]] == [
        ("Sanne de Vries", "NPO", "Maakt podcasts sinds 2015.")
    ]


def test_speaker_photo_is_stored_as_a_clean_jpeg(organiser_api, talk):
    speaker = Speaker.objects.get()

    response = organiser_api.post(
        f"/api/v1/speakers/{speaker.pk}/photo/",
        {"photo": SimpleUploadedFile("sanne.jpg", jpeg((1600, 1200)))},
        format="multipart",
    )

    assert response.status_code == 200, response.content
    speaker.refresh_from_db()
    with Image.open(speaker.photo) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 480
    page = organiser_api.get("/en/events/podcast-maken/")
    assert speaker.photo.url in page.content.decode()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not an image", "This file is not an image we can read."),
        (png_claiming(20000, 20000), "A photo may be at most 25 megapixels."),
    ],
)
def test_speaker_photo_refuses_what_room_photos_refuse(organiser_api, talk, content, message):
    speaker = Speaker.objects.get()

    response = organiser_api.post(
        f"/api/v1/speakers/{speaker.pk}/photo/",
        {"photo": SimpleUploadedFile("x.png", content)},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {"photo": [message]}
    speaker.refresh_from_db()
    assert not speaker.photo


def test_only_organisers_upload_speaker_photos(talk):
    speaker = Speaker.objects.get()

    response = api_for(UserFactory()).post(
        f"/api/v1/speakers/{speaker.pk}/photo/",
        {"photo": SimpleUploadedFile("sanne.jpg", jpeg())},
        format="multipart",
    )

    assert response.status_code == 403


def test_api_reads_and_writes_english_texts(organiser_api, programme):
    response = organiser_api.post(
        "/api/v1/events/",
        {
            "slug": "ai-redactie",
            "title": "AI in de redactie",
            "title_en": "AI in the newsroom",
            "description": "Wat kan het?",
            "description_en": "What can it do?",
            "kind": "dmw_session",
            "theme": "media_ict",
            "programme": "dmw-2026",
            "capacity": 10,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["title_en"] == "AI in the newsroom"

    patched = organiser_api.patch(
        "/api/v1/events/ai-redactie/", {"description_en": "What can AI do?"}, format="json"
    )

    assert patched.json()["description_en"] == "What can AI do?"
    assert patched.json()["title_en"] == "AI in the newsroom"
    assert Event.objects.get(slug="ai-redactie").description == "Wat kan het?"
    created = organiser_api.post(
        "/api/v1/programmes/",
        {"slug": "llo-2027", "name": "LLO-catalogus 2027", "title_en": "LLO catalogue 2027"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["title_en"] == "LLO catalogue 2027"


def test_english_title_change_reaches_calendars(organiser_api, talk):
    session = talk.sessions.get()

    organiser_api.patch("/api/v1/events/podcast-maken/", {"title_en": "Podcasting"}, format="json")

    session.refresh_from_db()
    assert session.sequence == 1


def test_without_english_text_english_pages_show_the_dutch(client, programme):
    EventFactory(programme=programme, slug="wandeling", title="Stadswandeling")

    page = client.get("/en/events/wandeling/").content.decode()

    assert "<h1>Stadswandeling</h1>" in page
