import pytest
from django.core.management import call_command

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
