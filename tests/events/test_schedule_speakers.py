"""Who manages a programme adds, changes and removes its speakers, over the API and in the
admin (a photo through the same Pillow checks as a room's); everyone else reads them."""

from io import BytesIO

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from events.models import Event, Speaker
from tests.events.conftest import api_for
from tests.factories import EventFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db

SPEAKERS = "/api/v1/programmes/dmw-2026/speakers/"


@pytest.fixture
def programme(organiser):
    return ProgrammeFactory(slug="dmw-2026", name="Dutch Media Week 2026", owners=[organiser])


@pytest.fixture
def talks(programme):
    return [
        EventFactory(programme=programme, slug=slug, title=title)
        for slug, title in [("podcast-maken", "Podcast maken"), ("ai-redactie", "AI redactie")]
    ]


def png(size=(900, 600)) -> bytes:
    output = BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(output, format="PNG")
    return output.getvalue()


def test_programme_owner_adds_a_speaker_to_events(organiser_api, talks):
    before = Event.objects.get(slug="podcast-maken").updated_at

    response = organiser_api.post(
        SPEAKERS,
        {"name": "Sanne de Vries", "organisation": "NPO", "bio": "Maakt podcasts.",
         "events": ["podcast-maken"]},
        format="json",
    )  # fmt: skip

    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("programme", "name", "organisation", "bio", "events")} == {
        "programme": "dmw-2026",
        "name": "Sanne de Vries",
        "organisation": "NPO",
        "bio": "Maakt podcasts.",
        "events": ["podcast-maken"],
    }
    event = api_for(UserFactory()).get("/api/v1/events/podcast-maken/").json()
    assert event["speakers"] == [
        {"name": "Sanne de Vries", "organisation": "NPO", "bio": "Maakt podcasts."}
    ]
    # Feeds and the export follow updated_at.
    assert Event.objects.get(slug="podcast-maken").updated_at > before


def test_programme_owner_changes_and_removes_a_speaker(organiser_api, talks, client):
    speaker = Speaker.objects.create(programme=talks[0].programme, name="Sanne")
    speaker.events.add(talks[0])

    changed = organiser_api.patch(
        f"/api/v1/speakers/{speaker.pk}/",
        {"name": "Sanne de Vries", "events": ["ai-redactie"]},
        format="json",
    )

    assert changed.status_code == 200, changed.content
    assert changed.json()["events"] == ["ai-redactie"]
    assert "Sanne de Vries" in client.get("/en/events/ai-redactie/").content.decode()
    assert "Sanne" not in client.get("/en/events/podcast-maken/").content.decode()

    removed = organiser_api.delete(f"/api/v1/speakers/{speaker.pk}/")

    assert removed.status_code == 204
    assert not Speaker.objects.exists()
    assert "Sanne de Vries" not in client.get("/en/events/ai-redactie/").content.decode()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "events": []}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "Sanne", "events": ["nope"]}, "events"),
        ({"name": "Sanne", "events": "podcast-maken"}, "events"),
        ({"name": "Sanne", "events": ["elders"]}, "events"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_speaker_input_is_a_400_naming_the_field(organiser_api, talks, body, field):
    EventFactory(slug="elders")  # another programme's event

    response = organiser_api.post(SPEAKERS, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Speaker.objects.exists()


def test_only_the_programme_managers_change_its_speakers(talks, client):
    speaker = Speaker.objects.create(programme=talks[0].programme, name="Sanne")
    other_organiser = api_for(UserFactory(groups=["event_organisers"]))
    member = api_for(UserFactory())

    assert other_organiser.post(SPEAKERS, {"name": "X"}, format="json").status_code == 403
    url = f"/api/v1/speakers/{speaker.pk}/"
    assert other_organiser.patch(url, {"name": "X"}, format="json").status_code == 403
    assert other_organiser.delete(url).status_code == 403
    assert member.post(SPEAKERS, {"name": "X"}, format="json").status_code == 403
    assert client.post(SPEAKERS, {"name": "X"}, format="json").status_code in (401, 403)
    assert client.get(SPEAKERS).json()[0]["name"] == "Sanne"
    assert client.get(url).json()["name"] == "Sanne"
    assert Speaker.objects.get().name == "Sanne"


def test_speaker_list_queries_do_not_grow(client, talks):
    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(SPEAKERS).status_code == 200
        return len(captured)

    Speaker.objects.create(programme=talks[0].programme, name="Eerste").events.add(talks[0])
    count()
    few = count()
    for n in range(10):
        speaker = Speaker.objects.create(programme=talks[0].programme, name=f"Spreker {n}")
        speaker.events.add(*talks)

    assert count() == few
    assert len(client.get(SPEAKERS).json()) == 11


def test_unknown_programme_or_speaker_is_a_404(organiser_api):
    assert organiser_api.get("/api/v1/programmes/nope/speakers/").status_code == 404
    assert organiser_api.patch("/api/v1/speakers/999/", {}, format="json").status_code == 404


# --- the admin -----------------------------------------------------------------------------------


@pytest.fixture
def staff_owner(organiser, client):
    # Staff with the model permissions, as a site administrator would grant them; which
    # speakers they may change is their programmes' business.
    organiser.is_staff = True
    organiser.save()
    organiser.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="events", codename__endswith="speaker")
    )
    client.force_login(organiser)
    return client


def test_admin_adds_a_speaker_with_a_cleaned_photo(staff_owner, talks):
    response = staff_owner.post(
        "/en/admin/events/speaker/add/",
        {"programme": talks[0].programme.pk, "name": "Sanne de Vries", "organisation": "NPO",
         "bio": "", "events": [talks[0].pk],
         "new_photo": SimpleUploadedFile("sanne.png", png((1600, 1200)))},
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:3000]
    speaker = Speaker.objects.get()
    assert list(speaker.events.all()) == [talks[0]]
    with Image.open(speaker.photo) as stored:
        assert (stored.format, max(stored.size)) == ("JPEG", 480)


def test_admin_refuses_a_photo_that_is_not_an_image(staff_owner, talks):
    response = staff_owner.post(
        "/en/admin/events/speaker/add/",
        {"programme": talks[0].programme.pk, "name": "Sanne", "events": [],
         "new_photo": SimpleUploadedFile("sanne.png", b"not a picture at all")},
    )  # fmt: skip

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["new_photo"] == [
        "This file is not an image we can read."
    ]
    assert not Speaker.objects.exists()


def test_admin_refuses_events_of_another_programme(staff_owner, talks, organiser):
    elsewhere = EventFactory(owners=[organiser])

    response = staff_owner.post(
        "/en/admin/events/speaker/add/",
        {"programme": talks[0].programme.pk, "name": "Sanne", "events": [elsewhere.pk]},
    )

    assert response.status_code == 200
    assert "events" in response.context["adminform"].form.errors
    assert not Speaker.objects.exists()


def test_admin_changes_and_deletes_only_its_own_programmes_speakers(staff_owner, talks):
    own = Speaker.objects.create(programme=talks[0].programme, name="Sanne")
    other = Speaker.objects.create(programme=ProgrammeFactory(), name="Bram")

    change = staff_owner.post(
        f"/en/admin/events/speaker/{own.pk}/change/",
        {"name": "Sanne de Vries", "organisation": "", "bio": "", "events": [talks[1].pk]},
    )
    own.refresh_from_db()
    assert (own.name, list(own.events.all())) == ("Sanne de Vries", [talks[1]])
    refused = staff_owner.post(f"/en/admin/events/speaker/{other.pk}/delete/", {"post": "yes"})
    deleted = staff_owner.post(f"/en/admin/events/speaker/{own.pk}/delete/", {"post": "yes"})

    assert change.status_code == 302, change.content.decode()[:3000]
    assert refused.status_code == 403
    assert deleted.status_code == 302
    assert list(Speaker.objects.values_list("name", flat=True)) == ["Bram"]
