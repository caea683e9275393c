import pytest
from django.core.management import call_command

from accounts.models import User
from events.models import Event, Registration, Session

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_the_programmes_once(settings):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    call_command("seed_demo", quiet_logins=True)
    call_command("seed_demo", quiet_logins=True)

    dmw = Session.objects.filter(event__programme__slug="dutch-media-week")
    assert dmw.count() >= 12
    assert len({s.start.date() for s in dmw}) >= 3
    assert len({s.room_id for s in dmw}) >= 5
    assert all(s.booking.is_live for s in dmw)
    courses = Event.objects.filter(kind="llo_course")
    assert sorted(c.sessions.count() for c in courses) == [3, 4, 6]
    campus_themes = set(Event.objects.filter(kind="campus_event").values_list("theme", flat=True))
    assert campus_themes == {"media_campus", "media_ict", "sustainability", "care_education"}
    literacy = Event.objects.get(slug="campus-media-literacy")
    assert (literacy.seats_taken, literacy.waitlist_length) == (2, 1)
    assert Registration.objects.count() == 8


def test_seed_demo_gives_events_owners_and_one_co_organiser(settings, client):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", quiet_logins=True)
    teacher = User.objects.get(email="docent@hu.nl")

    client.force_login(teacher)
    overview = client.get("/en/manage/")

    organiser = User.objects.get(email="organisator@mediacampus.example")
    assert not Event.objects.filter(owners=None).exists()
    assert set(Event.objects.get(slug="llo-immersive-content").owners.all()) == {
        organiser,
        teacher,
    }
    assert list(organiser.owned_programmes.values_list("slug", flat=True)) == ["dutch-media-week"]
    assert overview.status_code == 200
    assert "/en/manage/events/llo-immersive-content/" in overview.content.decode()
    assert "/en/manage/events/dmw-opening/" not in overview.content.decode()


def test_the_demo_speaks_dutch_on_dutch_pages_and_english_on_english_ones(settings, client):
    """Demo content in both languages (issue 18, item 5): the Dutch pages show no English
    title of a demo event or programme, the English pages show each one."""
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("seed_demo", quiet_logins=True)
    events = list(Event.objects.select_related("programme"))
    english = {e.title_en for e in events} | {e.programme.title_en for e in events}
    dutch = {e.title for e in events} | {e.programme.name for e in events}
    only_english = {text for text in english - dutch if text}
    assert all(e.title_en and e.title_en != e.title for e in events)

    pages = ["/events/", *(f"/events/?programme={slug}" for slug in PROGRAMMES)]
    dutch_pages = "".join(client.get(url).text for url in pages)
    english_pages = "".join(client.get(f"/en{url}").text for url in pages)

    assert sorted(t for t in only_english if t in dutch_pages.replace("&#x27;", "'")) == []
    assert sorted(t for t in only_english if t not in english_pages.replace("&#x27;", "'")) == []


PROGRAMMES = ("dutch-media-week", "llo-catalogue", "campus-events")
