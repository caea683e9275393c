from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from events import services
from events.models import Attendance, Registration
from events.privacy import erase_user_data, export_user_data
from tests.events.conftest import api_for
from tests.factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_registration_mail_is_sent_after_commit(event, django_capture_on_commit_callbacks):
    person = UserFactory(language="en", name="Sanne de Vries")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api_for(person).post("/api/v1/events/podcast-workshop/register/")
        assert len(mail.outbox) == 0
    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [person.email]
    assert message.subject == "You are registered for Podcast workshop"
    assert "Hello Sanne," in message.body
    assert "/en/events/podcast-workshop/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "You are registered for Podcast workshop." in html


def test_failed_registration_sends_no_mail(event, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api_for(user).post("/api/v1/events/podcast-workshop/register/")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(user).post("/api/v1/events/podcast-workshop/register/")

    assert response.status_code == 409
    assert mail.outbox == []


def test_mail_is_in_the_recipients_language(event, django_capture_on_commit_callbacks):
    person = UserFactory(language="nl")

    with django_capture_on_commit_callbacks(execute=True):
        api_for(person).post("/api/v1/events/podcast-workshop/register/")

    # Dutch default: the link has no /en/ prefix, whatever language the request was in.
    assert "/en/" not in mail.outbox[0].body
    assert "/events/podcast-workshop/" in mail.outbox[0].body


def test_waitlist_promotion_and_cancellation_mails(event, django_capture_on_commit_callbacks):
    first, second, third = (UserFactory(language="en") for _ in range(3))
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.register_for_event(user=first, event=event)
        services.register_for_event(user=second, event=event)
        services.register_for_event(user=third, event=event)
    waitlisted = mail.outbox[-1]
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_registration(registration=registration, actor=first)

    assert waitlisted.subject == "You are on the waitlist for Podcast workshop"
    assert "place 1" in waitlisted.body
    assert [(m.to[0], m.subject) for m in mail.outbox] == [
        (first.email, "Your registration for Podcast workshop is cancelled"),
        (third.email, "A seat came free: you are registered for Podcast workshop"),
    ]


def test_export_lists_registrations_and_attendance(event, user):
    registration = services.register_for_event(user=user, event=event)
    session = event.sessions.get()
    Attendance.objects.create(
        registration=registration, session=session, checked_in_at=timezone.now()
    )

    data = export_user_data(user)

    assert len(data["registrations"]) == 1
    exported = data["registrations"][0]
    assert (exported["event"], exported["status"]) == ("podcast-workshop", "confirmed")
    assert exported["attendance"][0]["session_start"] == session.start.isoformat()


def test_erase_cancels_future_registrations_and_promotes(event, user):
    services.register_for_event(user=user, event=event)
    services.register_for_event(user=UserFactory(), event=event)
    waiting = services.register_for_event(user=UserFactory(), event=event)

    erase_user_data(user)

    assert Registration.objects.filter(user=user).count() == 0
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    event.refresh_from_db()
    assert (event.seats_taken, event.waitlist_length) == (2, 0)


def test_erase_keeps_past_attendance_without_the_person(db, user):
    past = EventFactory()
    session = SessionFactory(
        event=past,
        start=timezone.now() - timedelta(days=3),
        end=timezone.now() - timedelta(days=3) + timedelta(hours=2),
    )
    registration = services.register_for_event(user=user, event=past)
    Attendance.objects.create(
        registration=registration, session=session, checked_in_at=timezone.now()
    )

    erase_user_data(user)

    registration.refresh_from_db()
    assert (registration.user, registration.status) == (None, "confirmed")
    assert Attendance.objects.filter(registration=registration).count() == 1
    past.refresh_from_db()
    assert past.seats_taken == 1
