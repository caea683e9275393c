"""Participation per programme, kind, theme, affiliation and organisation, figures computed
by hand; groups of 1 to 4 people suppressed."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Attendance, Registration, RegistrationStatus, Session
from tests.booking.factories import RoomFactory
from tests.factories import (
    EventFactory,
    OrganisationFactory,
    ProgrammeFactory,
    SessionFactory,
    UserFactory,
)
from tests.reports.conftest import MONDAY, TUESDAY, at, booked

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/participation/"


def registered(event, user, status=RegistrationStatus.CONFIRMED, queue=None):
    return Registration.objects.create(
        event=event,
        user=user,
        status=status,
        queue_number=queue,
        affiliation=user.affiliation,
        organisation=user.organisation,
        theme=event.theme,
    )


@pytest.fixture
def programme():
    """An LLO course with one session in a room and one elsewhere, both past; a campus event
    with one past session and one next year.

    Course: 3 confirmed (2 attended), 1 waitlisted, 1 cancelled, all of MBO College (partner).
    Campus event: 4 confirmed of HU (1 attended)."""
    programme = ProgrammeFactory(slug="llo-2026", name="LLO-catalogus 2026", title_en="LLO 2026")
    room = RoomFactory(slug="classroom")
    course = EventFactory(
        slug="course", programme=programme, kind="llo_course", theme="media_ict", capacity=3
    )
    booking = booked(room, at(MONDAY, "10:00"), at(MONDAY, "12:00"))
    in_room = Session.objects.create(
        event=course, start=booking.start, end=booking.end, room=room, booking=booking
    )
    SessionFactory(event=course, start=at(TUESDAY, "10:00"), end=at(TUESDAY, "12:00"))
    campus = EventFactory(
        slug="campus", programme=programme, kind="campus_event", theme="sustainability"
    )
    held = SessionFactory(event=campus, start=at(TUESDAY, "14:00"), end=at(TUESDAY, "16:00"))
    later = timezone.now() + timedelta(days=365)
    SessionFactory(event=campus, start=later, end=later + timedelta(hours=1))

    college = OrganisationFactory(slug="mbo-college", name="MBO College Hilversum")
    hu = OrganisationFactory(slug="hu-test", name="HU Journalistiek", affiliation="hu")
    partners = [UserFactory(affiliation="partner", organisation=college) for _ in range(5)]
    students = [UserFactory(affiliation="hu", organisation=hu) for _ in range(4)]
    course_confirmed = [registered(course, person) for person in partners[:3]]
    registered(course, partners[3], RegistrationStatus.WAITLISTED, queue=1)
    registered(course, partners[4], RegistrationStatus.CANCELLED)
    campus_confirmed = [registered(campus, person) for person in students]
    for registration in course_confirmed[:2]:
        Attendance.objects.create(
            registration=registration, session=in_room, checked_in_at=in_room.start
        )
    Attendance.objects.create(
        registration=campus_confirmed[0], session=held, checked_in_at=held.start
    )
    return programme


def rows_of(api, group_by, first=MONDAY, last=TUESDAY):
    response = api.get(URL, {"from": first, "until": last, "group_by": group_by})
    assert response.status_code == 200, response.content
    return {row["key"]: row for row in response.json()["rows"]}


def test_participation_per_programme(viewer_api, programme):
    rows = rows_of(viewer_api, "programme")

    assert rows == {
        "llo-2026": {
            "key": "llo-2026",
            "label": "LLO 2026",
            "sessions": 3,
            "registrations": 9,
            "confirmed": 7,
            "waitlisted": 1,
            "cancelled": 1,
            "attended": 3,
            # The course's third confirmed person; the campus event has a session to come.
            "no_shows": 1,
            "people": 9,
            "suppressed": False,
        }
    }


def test_participation_per_kind_and_theme(viewer_api, programme):
    by_kind = rows_of(viewer_api, "kind")
    by_theme = rows_of(viewer_api, "theme")

    assert by_kind["llo_course"]["sessions"] == 2
    assert by_kind["llo_course"]["label"] == "LLO course"
    assert by_kind["campus_event"]["sessions"] == 1
    assert by_kind["campus_event"]["no_shows"] == 0
    assert by_theme["media_ict"]["registrations"] == 5
    assert by_theme["sustainability"]["attended"] == 1


def test_participation_suppresses_four_people_not_five(viewer_api, programme):
    by_organisation = rows_of(viewer_api, "organisation")
    by_affiliation = rows_of(viewer_api, "affiliation")

    assert by_organisation["mbo-college"]["people"] == 5
    assert by_organisation["mbo-college"]["suppressed"] is False
    assert by_organisation["mbo-college"]["confirmed"] == 3
    assert by_organisation["mbo-college"]["no_shows"] == 1
    assert by_organisation["hu-test"] == {
        "key": "hu-test",
        "label": "HU Journalistiek",
        **dict.fromkeys(
            [
                "sessions",
                "registrations",
                "confirmed",
                "waitlisted",
                "cancelled",
                "attended",
                "no_shows",
                "people",
            ]
        ),
        "suppressed": True,
    }
    assert by_affiliation["partner"]["people"] == 5
    assert by_affiliation["hu"]["suppressed"] is True
    assert by_affiliation["hu"]["people"] is None


def test_participation_never_names_people(viewer_api, programme):
    response = viewer_api.get(URL, {"from": MONDAY, "until": TUESDAY, "group_by": "organisation"})

    body = response.content.decode()
    for person in Registration.objects.select_related("user"):
        assert person.user.name not in body
        assert person.user.email not in body


def test_participation_of_an_empty_period_has_no_rows(viewer_api, programme):
    assert rows_of(viewer_api, "programme", date(2025, 1, 1), date(2025, 1, 31)) == {}


def test_participation_costs_the_same_queries_however_many_registrations(viewer_api, programme):
    rows_of(viewer_api, "organisation")  # the role groups, read once and kept on the user
    with CaptureQueriesContext(connection) as before:
        rows_of(viewer_api, "organisation")
    extra = EventFactory(programme=programme)
    SessionFactory(event=extra, start=at(MONDAY, "18:00"), end=at(MONDAY, "19:00"))
    for _ in range(6):
        registered(extra, UserFactory(organisation=OrganisationFactory()))

    with CaptureQueriesContext(connection) as after:
        rows = rows_of(viewer_api, "organisation")

    assert len(before) == len(after) == 1
    assert len(rows) == 2 + 6
