from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events import services
from events.models import Attendance, Event, Programme
from tests.booking.factories import RoomFactory
from tests.events.conftest import api_for, future
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_events(count, programme=None, **fields):
    programme = programme or ProgrammeFactory()
    room = RoomFactory()
    events = []
    for n in range(count):
        event = EventFactory(programme=programme, **fields)
        start = future(days=3 + n // 5, hour=9 + n % 5 * 2)
        services.add_session(
            actor=UserFactory(is_superuser=True),
            event=event,
            spec=services.SessionSpec(start=start, end=start + timedelta(hours=1), room=room),
        )
        SessionFactory(event=event, start=start + timedelta(days=1))
        events.append(event)
    return events


def test_events_list_is_public_and_paginated(event, api_client):
    response = api_client.get("/api/v1/events/")

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["results"][0]["slug"] == "podcast-workshop"


def test_event_detail_has_the_contract_fields(event, api_client):
    session = event.sessions.get()

    data = api_client.get("/api/v1/events/podcast-workshop/").json()

    assert {
        "slug",
        "title",
        "kind",
        "theme",
        "programme",
        "description",
        "capacity",
        "seats_left",
        "waitlist_length",
        "registration_open",
        "audience",
        "sessions",
    } <= set(data)
    assert data["seats_left"] == 2
    assert data["registration_open"] is True
    assert data["audience"] == ["hu", "municipality", "partner", "public"]
    assert data["sessions"] == [
        {
            "id": session.pk,
            "start": timezone.localtime(session.start).isoformat(),
            "end": timezone.localtime(session.end).isoformat(),
            "room": None,
            "location": "Hilversum Media Park, Studio 21",
            "location_text": "Hilversum Media Park, Studio 21",
            "speakers": [],
        }
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("programme=dmw", ["dmw-talk", "dmw-course"]),
        ("kind=llo_course", ["dmw-course", "llo-data"]),
        ("theme=sustainability", ["llo-data"]),
        ("programme=dmw&kind=llo_course", ["dmw-course"]),
    ],
)
def test_events_list_filters(db, api_client, query, expected):
    dmw = ProgrammeFactory(slug="dmw")
    llo = ProgrammeFactory(slug="llo")
    for slug, programme, kind, theme, days in [
        ("dmw-talk", dmw, "dmw_session", "media_ict", 1),
        ("dmw-course", dmw, "llo_course", "media_campus", 2),
        ("llo-data", llo, "llo_course", "sustainability", 3),
    ]:
        event = EventFactory(slug=slug, programme=programme, kind=kind, theme=theme)
        SessionFactory(event=event, start=future(days=days), end=future(days=days, hour=12))

    results = api_client.get(f"/api/v1/events/?{query}").json()["results"]

    assert [e["slug"] for e in results] == expected


def test_events_list_filters_by_date(db, api_client):
    for slug, days in [("early", 2), ("middle", 5), ("late", 9)]:
        event = EventFactory(slug=slug)
        SessionFactory(event=event, start=future(days=days), end=future(days=days, hour=12))
    start, end = future(days=4, hour=0), future(days=6, hour=0)

    response = api_client.get("/api/v1/events/", {"from": start.isoformat(), "to": end.isoformat()})

    assert [e["slug"] for e in response.json()["results"]] == ["middle"]


def test_events_list_bad_filter_is_bad_request(db, api_client):
    response = api_client.get("/api/v1/events/?theme=football")

    assert response.status_code == 400
    assert list(response.json()) == ["theme"]


def test_events_list_query_count_is_constant(db, api_client):
    make_events(2)
    with CaptureQueriesContext(connection) as few:
        assert api_client.get("/api/v1/events/").status_code == 200
    make_events(48)

    with CaptureQueriesContext(connection) as many:
        response = api_client.get("/api/v1/events/")

    assert response.json()["count"] == 50
    assert len(many) == len(few)


def test_programmes_list_and_create(organiser_api, api_client):
    response = organiser_api.post(
        "/api/v1/programmes/",
        {
            "slug": "dmw-2026",
            "name": "Dutch Media Week 2026",
            "starts_on": "2026-10-05",
            "ends_on": "2026-10-09",
        },
    )

    assert response.status_code == 201
    listed = api_client.get("/api/v1/programmes/").json()["results"]
    assert [p["slug"] for p in listed] == ["dmw-2026"]


def test_programme_create_by_plain_user_is_forbidden(user_api):
    response = user_api.post("/api/v1/programmes/", {"slug": "x", "name": "X"})

    assert response.status_code == 403
    assert Programme.objects.count() == 0


def test_programme_with_end_before_start_is_bad_request(organiser_api):
    response = organiser_api.post(
        "/api/v1/programmes/",
        {"slug": "x", "name": "X", "starts_on": "2026-10-09", "ends_on": "2026-10-05"},
    )

    assert response.status_code == 400
    assert list(response.json()) == ["ends_on"]


def test_event_create_with_window_closing_before_opening_is_bad_request(organiser_api):
    ProgrammeFactory(slug="campus")
    response = organiser_api.post(
        "/api/v1/events/",
        {
            "slug": "x",
            "title": "X",
            "kind": "campus_event",
            "theme": "media_campus",
            "programme": "campus",
            "capacity": 10,
            "registration_opens": "2026-12-02T10:00",
            "registration_closes": "2026-12-01T10:00",
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["registration_closes"]


def test_event_create_with_unknown_audience_is_bad_request(organiser_api):
    ProgrammeFactory(slug="campus")
    response = organiser_api.post(
        "/api/v1/events/",
        {
            "slug": "x",
            "title": "X",
            "kind": "campus_event",
            "theme": "media_campus",
            "programme": "campus",
            "capacity": 10,
            "audience": ["students"],
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["audience"]


def test_event_create_with_duplicate_slug_is_bad_request(event, organiser_api):
    response = organiser_api.post(
        "/api/v1/events/",
        {
            "slug": "podcast-workshop",
            "title": "Again",
            "kind": "campus_event",
            "theme": "media_campus",
            "programme": event.programme.slug,
            "capacity": 10,
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["slug"]
    assert Event.objects.get(slug="podcast-workshop").title == event.title


def test_event_patch_by_plain_user_is_forbidden(event, user_api):
    response = user_api.patch("/api/v1/events/podcast-workshop/", {"capacity": 100})

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.capacity == 2


def test_organiser_registration_list(event, organiser_api):
    people = [UserFactory(name=f"Person {n}") for n in range(3)]
    registrations = [services.register_for_event(user=p, event=event) for p in people]
    services.cancel_registration(registration=registrations[0], actor=people[0])

    data = organiser_api.get("/api/v1/events/podcast-workshop/registrations/").json()

    assert [(r["name"], r["status"], r["waitlist_position"]) for r in data["results"]] == [
        ("Person 1", "confirmed", None),
        ("Person 2", "confirmed", None),
        ("Person 0", "cancelled", None),
    ]


def test_organiser_registration_list_is_forbidden_for_others(event, user_api):
    response = user_api.get("/api/v1/events/podcast-workshop/registrations/")

    assert response.status_code == 403


def test_organiser_registration_list_query_count_is_constant(db, organiser_api):
    event = EventFactory(slug="big", capacity=30, owners=[organiser_api.user])
    sessions = [SessionFactory(event=event, start=future(days=d)) for d in (3, 4)]

    def add_people(count):
        for _ in range(count):
            registration = services.register_for_event(user=UserFactory(), event=event)
            if registration.status == "confirmed":
                Attendance.objects.create(
                    registration=registration, session=sessions[0], checked_in_at=timezone.now()
                )

    add_people(2)
    url = "/api/v1/events/big/registrations/"
    organiser_api.get(url)  # the role lookup is cached on the user after the first request
    with CaptureQueriesContext(connection) as few:
        organiser_api.get(url)
    add_people(48)

    with CaptureQueriesContext(connection) as many:
        response = organiser_api.get(url)

    assert response.json()["count"] == 50
    assert len(many) == len(few), [q["sql"][:120] for q in many]


def test_my_registrations_query_count_is_constant(db):
    person = UserFactory()
    client = api_for(person)
    for event in make_events(2):
        services.register_for_event(user=person, event=event)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/registrations/")
    for event in make_events(48):
        services.register_for_event(user=person, event=event)

    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/registrations/")

    assert response.json()["count"] == 50
    assert len(many) == len(few)


def test_attendance_is_kept_per_session(db, organiser_api):
    course = EventFactory(slug="llo-data", kind="llo_course", owners=[organiser_api.user])
    sessions = [SessionFactory(event=course, start=future(days=d)) for d in (3, 10, 17)]
    registration = services.register_for_event(user=UserFactory(), event=course)
    url = f"/api/v1/registrations/{registration.pk}/attendance/"

    organiser_api.post(url, {"session": sessions[0].pk, "present": True})
    organiser_api.post(url, {"session": sessions[2].pk, "present": True})
    response = organiser_api.post(url, {"session": sessions[0].pk, "present": False})

    assert response.status_code == 200
    assert response.json()["attended_sessions"] == [sessions[2].pk]


def test_attendance_of_a_waitlisted_person_is_conflict(event, organiser_api):
    for _ in range(2):
        services.register_for_event(user=UserFactory(), event=event)
    waiting = services.register_for_event(user=UserFactory(), event=event)

    response = organiser_api.post(
        f"/api/v1/registrations/{waiting.pk}/attendance/",
        {"session": event.sessions.get().pk, "present": True},
    )

    assert response.status_code == 409
    assert response.json()["detail"] == "Only confirmed registrations can be checked in."
    assert Attendance.objects.count() == 0


def test_attendance_for_a_session_of_another_event_is_bad_request(event, organiser_api):
    registration = services.register_for_event(user=UserFactory(), event=event)
    other = SessionFactory()

    response = organiser_api.post(
        f"/api/v1/registrations/{registration.pk}/attendance/",
        {"session": other.pk, "present": True},
    )

    assert response.status_code == 400
    assert response.json() == {"session": ["That session belongs to another event."]}
    assert Attendance.objects.count() == 0


def test_attendance_by_plain_user_is_forbidden(event, user_api):
    registration = services.register_for_event(user=user_api.user, event=event)

    response = user_api.post(
        f"/api/v1/registrations/{registration.pk}/attendance/",
        {"session": event.sessions.get().pk, "present": True},
    )

    assert response.status_code == 403

    assert Attendance.objects.count() == 0
