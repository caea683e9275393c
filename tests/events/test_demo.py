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
