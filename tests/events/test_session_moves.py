"""Sessions moved, moved out of a room, renamed and checked in, over HTTP: what each
change leaves behind. Written against mutmut's survivors in events/services/."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from booking.models import Booking
from events.models import Attendance, Session
from events.services import register_for_event
from tests.booking.factories import RoomFactory
from tests.events.conftest import api_for, future
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(db):
    ProgrammeFactory(slug="dmw-2026")
    return RoomFactory(slug="xr-lab", name="XR Lab")


def create_event(organiser_api, start):
    return organiser_api.post(
        "/api/v1/events/",
        {
            "slug": "xr",
            "title": "XR masterclass",
            "kind": "dmw_session",
            "theme": "media_ict",
            "programme": "dmw-2026",
            "capacity": 30,
            "sessions": [
                {
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=2)).isoformat(),
                    "room": "xr-lab",
                }
            ],
        },
        format="json",
    )


def save_sessions(organiser_api, *sessions):
    return organiser_api.patch("/api/v1/events/xr/", {"sessions": list(sessions)}, format="json")


def test_moving_a_session_out_of_its_room_frees_the_room(organiser_api, lab):
    start = future()
    create_event(organiser_api, start)
    session = Session.objects.get()
    held = session.booking

    response = save_sessions(
        organiser_api,
        {
            "id": session.pk,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "location_text": "Beeld en Geluid, Hilversum",
        },
    )

    assert response.status_code == 200
    session.refresh_from_db()
    assert (session.room, session.booking, session.location_text, session.sequence) == (
        None,
        None,
        "Beeld en Geluid, Hilversum",
        1,
    )
    assert Booking.objects.get(pk=held.pk).status == "cancelled"
    assert not Booking.objects.live().exists()


def test_each_move_raises_the_session_sequence_by_one_and_a_resave_by_none(organiser_api, lab):
    start = future()
    create_event(organiser_api, start)
    session = Session.objects.get()
    spans = [start + timedelta(hours=3), start + timedelta(hours=5)]

    for moved in spans:
        save_sessions(
            organiser_api,
            {
                "id": session.pk,
                "start": moved.isoformat(),
                "end": (moved + timedelta(hours=1)).isoformat(),
                "room": "xr-lab",
            },
        )
    resaved = save_sessions(
        organiser_api,
        {
            "id": session.pk,
            "start": spans[1].isoformat(),
            "end": (spans[1] + timedelta(hours=1)).isoformat(),
            "room": "xr-lab",
        },
    )

    assert resaved.status_code == 200
    session.refresh_from_db()
    assert (session.start, session.sequence) == (spans[1], 2)
    assert (session.booking.start, session.booking.sequence) == (spans[1], 2)
    assert session.booking.title == "XR masterclass"


def test_removing_one_of_two_sessions_keeps_the_other_and_its_room(organiser_api, lab):
    start = future()
    create_event(organiser_api, start)
    first = Session.objects.get()
    later = start + timedelta(days=1)
    save_sessions(
        organiser_api,
        {
            "id": first.pk,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "room": "xr-lab",
        },
        {
            "start": later.isoformat(),
            "end": (later + timedelta(hours=2)).isoformat(),
            "room": "xr-lab",
        },
    )
    second = Session.objects.exclude(pk=first.pk).get()

    response = save_sessions(
        organiser_api,
        {
            "id": second.pk,
            "start": later.isoformat(),
            "end": (later + timedelta(hours=2)).isoformat(),
            "room": "xr-lab",
        },
    )

    assert response.status_code == 200
    assert list(Session.objects.values_list("pk", flat=True)) == [second.pk]
    live = Booking.objects.live()
    assert list(live.values_list("start", "event_session")) == [(later, second.pk)]


def test_renaming_an_event_leaves_a_cancelled_room_booking_alone(organiser_api, lab):
    start = future()
    create_event(organiser_api, start)
    session = Session.objects.get()
    save_sessions(
        organiser_api,
        {
            "id": session.pk,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "location_text": "Beeld en Geluid, Hilversum",
        },
    )
    cancelled = Booking.objects.get()
    before = (cancelled.title, cancelled.sequence, cancelled.updated_at)

    response = organiser_api.patch("/api/v1/events/xr/", {"title": "XR for journalists"})

    assert response.status_code == 200
    cancelled.refresh_from_db()
    assert (cancelled.title, cancelled.sequence, cancelled.updated_at) == before


def test_check_in_records_who_and_when_once(organiser_api, monkeypatch):
    course = EventFactory(slug="llo-data", kind="llo_course", owners=[organiser_api.user])
    session = SessionFactory(event=course, start=future(days=3))
    registration = register_for_event(user=UserFactory(), event=course)
    url = f"/api/v1/registrations/{registration.pk}/attendance/"
    first_time = timezone.now().replace(microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: first_time.astimezone(UTC))
    organiser_api.post(url, {"session": session.pk, "present": True})
    monkeypatch.setattr(timezone, "now", lambda: first_time + timedelta(minutes=5))

    again = organiser_api.post(url, {"session": session.pk, "present": True})

    assert again.status_code == 200
    assert again.json()["attended_sessions"] == [session.pk]
    stored = Attendance.objects.values_list("session", "checked_in_at", "checked_in_by")
    assert list(stored) == [(session.pk, first_time, organiser_api.user.pk)]


def test_undoing_one_check_in_keeps_the_others_at_that_session(organiser_api):
    course = EventFactory(slug="llo-data", kind="llo_course", owners=[organiser_api.user])
    session = SessionFactory(event=course, start=future(days=3))
    first, second = (register_for_event(user=UserFactory(), event=course) for _ in range(2))
    for registration in (first, second):
        organiser_api.post(
            f"/api/v1/registrations/{registration.pk}/attendance/",
            {"session": session.pk, "present": True},
        )

    response = organiser_api.post(
        f"/api/v1/registrations/{first.pk}/attendance/", {"session": session.pk, "present": False}
    )

    assert response.status_code == 200
    assert list(Attendance.objects.values_list("registration", flat=True)) == [second.pk]


def test_editing_an_event_without_renaming_it_leaves_its_room_booking_alone(organiser_api, lab):
    create_event(organiser_api, future())
    held = Booking.objects.get()
    before = (held.sequence, held.updated_at)

    response = organiser_api.patch("/api/v1/events/xr/", {"capacity": 40}, format="json")

    assert response.status_code == 200
    held.refresh_from_db()
    assert (held.sequence, held.updated_at) == before


def test_renaming_an_event_after_staff_cancelled_its_room_leaves_that_booking(organiser_api, lab):
    # A facility manager may cancel the room booking itself; the session still points at it.
    create_event(organiser_api, future())
    held = Booking.objects.get()
    manager = UserFactory(groups=["facility_managers"])
    assert api_for(manager).post(f"/api/v1/bookings/{held.pk}/cancel/").status_code == 200
    held.refresh_from_db()
    before = (held.title, held.sequence, held.updated_at)

    response = organiser_api.patch("/api/v1/events/xr/", {"title": "XR for journalists"})

    assert response.status_code == 200
    held.refresh_from_db()
    assert (held.title, held.sequence, held.updated_at) == before


def test_saving_a_session_of_another_event_is_refused_naming_it_and_changes_nothing(
    organiser_api, lab
):
    start = future()
    create_event(organiser_api, start)
    ours = Session.objects.get()
    theirs = [SessionFactory(), SessionFactory()]
    before = list(Session.objects.order_by("pk").values_list("pk", "event", "start", "sequence"))

    response = save_sessions(
        organiser_api,
        {
            "id": ours.pk,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
        },
        *(
            {"id": s.pk, "start": s.start.isoformat(), "end": s.end.isoformat()}
            for s in reversed(theirs)
        ),
    )

    assert response.status_code == 400
    assert response.json() == {
        "sessions": [f"Session {theirs[0].pk} is not a session of this event."]
    }
    assert (
        list(Session.objects.order_by("pk").values_list("pk", "event", "start", "sequence"))
        == before
    )
