"""Mail carries the calendar entry as an iTIP invitation that Outlook and Gmail understand."""

import pytest
from icalendar import Calendar
from rest_framework.test import APIClient

from booking.models import Booking
from tests.booking.factories import RoomFactory
from tests.factories import EventFactory, SessionFactory, UserFactory
from tests.feeds.conftest import post_booking

pytestmark = pytest.mark.django_db


def calendar_parts(message):
    """(content type params, parsed calendar) of every text/calendar part of the sent mail."""
    parsed = message.message()
    return [
        (dict(part.get_params()), Calendar.from_ical(part.get_payload(decode=True)))
        for part in parsed.walk()
        if part.get_content_type() == "text/calendar"
    ]


def only_event(calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def test_confirmation_mail_is_request_with_uid_sequence_organizer_attendee(
    user_api, room, day, mailoutbox, django_capture_on_commit_callbacks
):
    user_api.user.name = "Sanne de Vries"
    user_api.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        booking = post_booking(user_api, room, f"{day}T10:00", f"{day}T11:00")

    (message,) = mailoutbox
    ((params, calendar),) = calendar_parts(message)
    event = only_event(calendar)
    assert params["method"] == "REQUEST"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"booking-{booking['id']}@127.0.0.1"
    assert int(event["SEQUENCE"]) == Booking.objects.get().sequence
    assert str(event["ORGANIZER"]) == "mailto:noreply@mediacampus.nl"
    assert str(event["ATTENDEE"]) == f"mailto:{user_api.user.email}"
    assert event["ATTENDEE"].params["CN"] == "Sanne de Vries"
    assert {alt[1] for alt in message.alternatives} == {"text/html"}
    assert message.body


def test_move_then_cancel_mails_raise_sequence_and_cancel_same_uid(
    user_api, room, day, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = post_booking(user_api, room, f"{day}T10:00", f"{day}T11:00")
    with django_capture_on_commit_callbacks(execute=True):
        user_api.patch(
            f"/api/v1/bookings/{booking['id']}/",
            {"start": f"{day}T12:00", "end": f"{day}T13:00"},
            format="json",
        )
    with django_capture_on_commit_callbacks(execute=True):
        user_api.post(f"/api/v1/bookings/{booking['id']}/cancel/")

    created, moved, cancelled = (calendar_parts(m)[0] for m in mailoutbox)
    sequences = [int(only_event(c)["SEQUENCE"]) for _p, c in (created, moved, cancelled)]
    assert [p["method"] for p, _c in (created, moved, cancelled)] == [
        "REQUEST",
        "REQUEST",
        "CANCEL",
    ]
    assert sequences == sorted(set(sequences))
    assert {str(only_event(c)["UID"]) for _p, c in (created, moved, cancelled)} == {
        f"booking-{booking['id']}@127.0.0.1"
    }
    assert str(only_event(cancelled[1])["STATUS"]) == "CANCELLED"


def test_declined_booking_mail_is_cancel(day, mailoutbox, django_capture_on_commit_callbacks):
    room = RoomFactory(requires_approval=True)
    booker = APIClient()
    booker_user = UserFactory()
    booker.force_authenticate(booker_user)
    manager = APIClient()
    manager.force_authenticate(UserFactory(groups=["facility_managers"]))
    with django_capture_on_commit_callbacks(execute=True):
        booking = post_booking(booker, room, f"{day}T10:00", f"{day}T11:00")
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(f"/api/v1/bookings/{booking['id']}/decline/")

    # The managers' note that a request waits carries no invitation.
    to_booker = [m for m in mailoutbox if m.to == [booker_user.email]]
    pending, declined = (calendar_parts(m)[0] for m in to_booker)
    assert str(only_event(pending[1])["STATUS"]) == "TENTATIVE"
    assert declined[0]["method"] == "CANCEL"


def test_mail_in_recipients_language(
    user_api, room, day, mailoutbox, django_capture_on_commit_callbacks
):
    user_api.user.language = "en"
    user_api.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        post_booking(user_api, room, f"{day}T10:00", f"{day}T11:00")

    assert mailoutbox[0].subject.startswith("Booking confirmed")


def test_registration_mails_invite_per_session_and_cancel(
    mailoutbox, django_capture_on_commit_callbacks
):
    event = EventFactory(slug="llo-course", title="Data-driven design")
    sessions = [SessionFactory(event=event), SessionFactory(event=event)]
    api = APIClient()
    user = UserFactory()
    api.force_authenticate(user)
    with django_capture_on_commit_callbacks(execute=True):
        registration = api.post("/api/v1/events/llo-course/register/").json()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/registrations/{registration['id']}/cancel/")

    confirmed, cancelled = mailoutbox
    invites, cancels = calendar_parts(confirmed), calendar_parts(cancelled)
    uids = {f"session-{s.pk}@127.0.0.1" for s in sessions}
    assert {p["method"] for p, _c in invites} == {"REQUEST"}
    assert {str(only_event(c)["UID"]) for _p, c in invites} == uids
    assert {p["method"] for p, _c in cancels} == {"CANCEL"}
    assert {str(only_event(c)["UID"]) for _p, c in cancels} == uids
    assert all(
        int(only_event(c)["SEQUENCE"]) > int(only_event(i)["SEQUENCE"])
        for (_p, c), (_q, i) in zip(cancels, invites, strict=True)
    )
    assert str(only_event(invites[0][1])["ATTENDEE"]) == f"mailto:{user.email}"


def test_waitlisted_mail_has_no_invitation(mailoutbox, django_capture_on_commit_callbacks):
    event = EventFactory(slug="tiny", capacity=1)
    SessionFactory(event=event)
    for _ in range(2):
        api = APIClient()
        api.force_authenticate(UserFactory())
        with django_capture_on_commit_callbacks(execute=True):
            api.post("/api/v1/events/tiny/register/")

    assert len(calendar_parts(mailoutbox[0])) == 1
    assert calendar_parts(mailoutbox[1]) == []


def test_moved_and_removed_sessions_mail_confirmed_registrants(
    mailoutbox, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    event = EventFactory(slug="dmw-talk", title="Podcast panel", capacity=1)
    moving, dropping = SessionFactory(event=event), SessionFactory(event=event)
    confirmed, waiting = UserFactory(), UserFactory()
    for user in (confirmed, waiting):
        api = APIClient()
        api.force_authenticate(user)
        with django_capture_on_commit_callbacks(execute=True):
            api.post("/api/v1/events/dmw-talk/register/")
    owner = UserFactory(groups=["event_organisers"])
    event.owners.add(owner)
    organiser = APIClient()
    organiser.force_authenticate(owner)
    later = moving.start + timedelta(days=1)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = organiser.patch(
            "/api/v1/events/dmw-talk/",
            {
                "sessions": [
                    {
                        "id": moving.pk,
                        "start": later.isoformat(),
                        "end": (later + timedelta(hours=1)).isoformat(),
                        "location_text": moving.location_text,
                    }
                ]
            },
            format="json",
        )

    assert response.status_code == 200
    assert sorted(m.to[0] for m in mailoutbox) == [confirmed.email, confirmed.email]
    by_method = {calendar_parts(m)[0][0]["method"]: calendar_parts(m)[0][1] for m in mailoutbox}
    moved_event = only_event(by_method["REQUEST"])
    removed_event = only_event(by_method["CANCEL"])
    assert str(moved_event["UID"]) == f"session-{moving.pk}@127.0.0.1"
    assert moved_event.decoded("dtstart") == later
    assert int(moved_event["SEQUENCE"]) == 2  # moved once, plus one for a confirmed seat
    assert str(removed_event["UID"]) == f"session-{dropping.pk}@127.0.0.1"
    assert int(removed_event["SEQUENCE"]) == 2
