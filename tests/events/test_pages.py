import csv
import io
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.models import Booking
from events import services
from events.models import Attendance, Event, Registration, Session
from tests.booking.factories import RoomFactory
from tests.events.conftest import future
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


# --- public pages -----------------------------------------------------------------------------


def test_events_page_lists_events_in_english_and_dutch(event, client):
    english = client.get("/en/events/").content.decode()
    dutch = client.get("/events/").content.decode()

    assert "Podcast workshop" in english
    assert "2 seats left" in english
    assert "Podcast workshop" in dutch


def test_events_page_filters_by_theme_and_kind(db, client):
    EventFactory(title="Green media", theme="sustainability")
    EventFactory(title="Care tech", theme="care_education", kind="llo_course")

    html = client.get("/en/events/?theme=sustainability").content.decode()
    kind_html = client.get("/en/events/?kind=llo_course").content.decode()

    assert "Green media" in html
    assert "Care tech" not in html
    assert "Care tech" in kind_html
    assert "Green media" not in kind_html


def test_events_page_filters_by_date(db, client):
    early = EventFactory(title="Early bird")
    SessionFactory(event=early, start=future(days=2), end=future(days=2, hour=12))
    late = EventFactory(title="Late night")
    SessionFactory(event=late, start=future(days=9), end=future(days=9, hour=12))
    day = future(days=9).date().isoformat()

    html = client.get(f"/en/events/?start_from={day}&start_to={day}").content.decode()

    assert "Late night" in html
    assert "Early bird" not in html


def test_programme_page_is_a_day_by_day_timetable(db, client):
    dmw = ProgrammeFactory(slug="dmw-2026", name="Dutch Media Week 2026")
    for title, days, hour in [("Opening", 3, 9), ("AI newsroom", 3, 14), ("Closing", 4, 16)]:
        event = EventFactory(title=title, programme=dmw, kind="dmw_session")
        SessionFactory(event=event, start=future(days=days, hour=hour))

    html = client.get("/en/events/?programme=dmw-2026").content.decode()

    assert html.count('class="timetable-day"') == 2
    assert html.index("Opening") < html.index("AI newsroom") < html.index("Closing")
    day_one = future(days=3)
    assert f"{day_one:%A} {day_one.day} {day_one:%B %Y}" in html


def test_events_page_query_count_is_constant(db, client):
    programme = ProgrammeFactory(slug="dmw")
    room = RoomFactory()
    organiser = UserFactory(is_superuser=True)

    def add(count):
        for _ in range(count):
            n = Event.objects.count()
            event = EventFactory(programme=programme)
            start = future(days=2 + n, hour=8 + n % 7 * 2)
            services.add_session(
                actor=organiser,
                event=event,
                spec=services.SessionSpec(
                    start=start, end=start + timedelta(minutes=90), room=room if n < 7 else None
                ),
            )

    add(2)
    for url in ("/en/events/", "/en/events/?programme=dmw"):
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        add(24)
        with CaptureQueriesContext(connection) as many:
            response = client.get(url)
        assert response.status_code == 200
        assert len(many) == len(few)


def test_event_page_query_count_is_constant(db, client):
    event = EventFactory(slug="course")
    SessionFactory(event=event)
    person = UserFactory()
    login(client, person)
    services.register_for_event(user=person, event=event)
    client.get("/en/events/course/")
    with CaptureQueriesContext(connection) as few:
        client.get("/en/events/course/")
    for days in range(2, 30):
        SessionFactory(event=event, start=future(days=days))

    with CaptureQueriesContext(connection) as many:
        response = client.get("/en/events/course/")

    assert response.content.decode().count("<time ") == 29
    assert len(many) == len(few)


def test_event_page_shows_sessions_and_seats(event, client):
    html = client.get("/en/events/podcast-workshop/").content.decode()

    assert "Hilversum Media Park, Studio 21" in html
    assert "2 of 2" in html
    assert "Sign in to register" in html


def test_register_through_the_page(event, client, user):
    login(client, user)

    response = client.post("/en/events/podcast-workshop/register/", follow=True)

    html = response.content.decode()
    assert "You are registered." in html
    assert "Cancel my registration" in html
    assert Registration.objects.get().status == "confirmed"


def test_join_waitlist_through_the_page(event, client):
    for _ in range(2):
        services.register_for_event(user=UserFactory(), event=event)
    login(client, UserFactory())

    assert "Join the waitlist" in client.get("/en/events/podcast-workshop/").content.decode()
    html = client.post("/en/events/podcast-workshop/register/", follow=True).content.decode()

    assert "you are on the waitlist, place 1" in html
    assert "You are on the waitlist, place 1." in html


def test_second_registration_through_the_page_is_refused(event, client, user):
    login(client, user)
    client.post("/en/events/podcast-workshop/register/")

    html = client.post("/en/events/podcast-workshop/register/", follow=True).content.decode()

    assert "You are already registered for this event." in html
    assert Registration.objects.count() == 1


def test_page_registration_outside_audience_is_refused(db, client):
    EventFactory(slug="hu-only", audience=["hu"])
    login(client, UserFactory(affiliation="partner"))

    html = client.post("/en/events/hu-only/register/", follow=True).content.decode()

    assert "not open to your affiliation" in html
    assert Registration.objects.count() == 0


def test_page_registration_with_unverified_email_is_refused(event, client):
    person = UserFactory(email_verified=False)
    EmailAddress.objects.create(user=person, email=person.email, verified=False)
    login(client, person)

    html = client.post("/en/events/podcast-workshop/register/", follow=True).content.decode()

    assert "Verify your email address first" in html
    assert Registration.objects.count() == 0


def test_page_registration_when_closed_is_refused(db, client, user):
    EventFactory(slug="closed", registration_closes=timezone.now() - timedelta(hours=1))
    login(client, user)

    assert "Registration is closed." in client.get("/en/events/closed/").content.decode()
    client.post("/en/events/closed/register/")

    assert Registration.objects.count() == 0


def test_cancel_through_the_page_promotes(event, client, user):
    registration = services.register_for_event(user=user, event=event)
    services.register_for_event(user=UserFactory(), event=event)
    waiting = services.register_for_event(user=UserFactory(), event=event)
    login(client, user)

    html = client.post(f"/en/events/registrations/{registration.pk}/cancel/", follow=True)

    assert "Your registration is cancelled." in html.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_cancel_someone_elses_registration_through_the_page_is_not_found(event, client):
    registration = services.register_for_event(user=UserFactory(), event=event)
    login(client, UserFactory())

    response = client.post(f"/en/events/registrations/{registration.pk}/cancel/")

    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.status == "confirmed"


def test_my_page_lists_registrations_with_waitlist_places(event, client, user):
    for _ in range(2):
        services.register_for_event(user=UserFactory(), event=event)
    services.register_for_event(user=user, event=event)
    login(client, user)

    html = client.get("/en/my/").content.decode()

    assert "Podcast workshop" in html
    assert "waitlist, place 1" in html


def test_my_page_lists_registrations_by_date_the_next_first(client, user):
    later = EventFactory(title="Later in the year")
    SessionFactory(event=later, start=future(days=60), end=future(days=60) + timedelta(hours=2))
    sooner = EventFactory(title="Next week")
    SessionFactory(event=sooner, start=future(days=7), end=future(days=7) + timedelta(hours=2))
    undated = EventFactory(title="Date to follow")
    for event in (undated, later, sooner):  # registered in another order than by date
        services.register_for_event(user=user, event=event)
    login(client, user)

    html = client.get("/en/my/").content.decode()

    positions = [
        html.index(title) for title in ("Next week", "Later in the year", "Date to follow")
    ]
    assert positions == sorted(positions)


def test_main_menu_links_to_events(client, db):
    assert 'href="/en/events/"' in client.get("/en/").content.decode()


# --- organiser pages --------------------------------------------------------------------------


def test_manage_section_links_to_event_pages(organiser_client):
    html = organiser_client.get("/en/manage/").content.decode()

    assert 'href="/en/manage/events/"' in html


def test_manage_pages_are_forbidden_for_others(event, client, user):
    login(client, user)

    for url in (
        "/en/manage/events/",
        "/en/manage/events/new/",
        "/en/manage/events/podcast-workshop/",
        "/en/manage/events/podcast-workshop/registrations/",
        "/en/manage/events/podcast-workshop/attendance.csv",
    ):
        assert client.get(url).status_code == 403, url


def test_organiser_creates_event_and_adds_room_session(organiser_client, db):
    programme = ProgrammeFactory(name="Campus events")
    room = RoomFactory(slug="studio-a", name="Studio A")
    response = organiser_client.post(
        "/en/manage/events/new/",
        {
            "slug": "green-screen",
            "title": "Green screen basics",
            "programme": programme.pk,
            "kind": "campus_event",
            "theme": "media_campus",
            "audience": ["hu", "public"],
            "capacity": 12,
            "waitlist": "on",
        },
    )
    assert response.status_code == 302
    start = future(days=5, hour=10)

    response = organiser_client.post(
        "/en/manage/events/green-screen/sessions/new/",
        {
            "start": start.strftime("%Y-%m-%dT%H:%M"),
            "end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "room": "studio-a",
        },
    )

    assert response.status_code == 302
    event = Event.objects.get()
    assert event.audience == ["hu", "public"]
    assert list(event.owners.all()) == [organiser_client.user]
    session = Session.objects.get()
    assert (session.room, session.booking.room, session.start) == (room, room, start)


def test_session_form_shows_room_clash_next_to_the_room(organiser_client, event):
    room = RoomFactory(slug="studio-a", name="Studio A")
    start = future(days=5, hour=10)
    Booking.objects.create(
        room=room,
        user=UserFactory(),
        start=start,
        end=start + timedelta(hours=1),
        blocked_from=start,
        blocked_until=start + timedelta(hours=1),
        title="Lab booking",
    )

    response = organiser_client.post(
        "/en/manage/events/podcast-workshop/sessions/new/",
        {
            "start": start.strftime("%Y-%m-%dT%H:%M"),
            "end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "room": "studio-a",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_room_error"' in html
    assert "Studio A is already booked" in html
    assert f"{start:%H:%M}–{start + timedelta(hours=1):%H:%M}" in html
    assert event.sessions.count() == 1


def test_session_form_with_dst_gap_time_shows_field_error(organiser_client, event):
    response = organiser_client.post(
        "/en/manage/events/podcast-workshop/sessions/new/",
        {"start": "2027-03-28T02:30", "end": "2027-03-28T04:00", "location_text": "Outside"},
    )

    assert 'id="id_start_error"' in response.content.decode()
    assert "does not exist in Europe/Amsterdam" in response.content.decode()


def test_organiser_moves_and_cancels_a_session(organiser_client, event):
    session = event.sessions.get()
    new_start = future(days=12, hour=15)

    organiser_client.post(
        f"/en/manage/events/podcast-workshop/sessions/{session.pk}/",
        {
            "start": new_start.strftime("%Y-%m-%dT%H:%M"),
            "end": (new_start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "location_text": "Beeld en Geluid",
        },
    )
    session.refresh_from_db()
    assert (session.start, session.location_text) == (new_start, "Beeld en Geluid")

    organiser_client.post(f"/en/manage/events/podcast-workshop/sessions/{session.pk}/cancel/")

    assert event.sessions.count() == 0


def test_organiser_raises_capacity_on_the_page_and_promotes(organiser_client, event):
    for _ in range(3):
        services.register_for_event(user=UserFactory(), event=event)

    organiser_client.post(
        "/en/manage/events/podcast-workshop/",
        {
            "title": "Podcast workshop",
            "programme": event.programme.pk,
            "kind": event.kind,
            "theme": event.theme,
            "audience": event.audience,
            "capacity": 3,
            "waitlist": "on",
        },
    )

    event.refresh_from_db()
    assert (event.capacity, event.seats_taken, event.waitlist_length) == (3, 3, 0)


def test_organiser_registrations_page_and_cancel(organiser_client, event):
    people = [UserFactory(name=f"Person {n}") for n in range(3)]
    registrations = [services.register_for_event(user=p, event=event) for p in people]

    html = organiser_client.get("/en/manage/events/podcast-workshop/registrations/")
    organiser_client.post(
        f"/en/manage/events/podcast-workshop/registrations/{registrations[0].pk}/cancel/"
    )

    assert "waitlist 1" in html.content.decode()
    registrations[2].refresh_from_db()
    assert registrations[2].status == "confirmed"


def test_organiser_registrations_page_query_count_is_constant(organiser_client, db):
    event = EventFactory(slug="big", capacity=40)
    for days in (3, 4):
        SessionFactory(event=event, start=future(days=days))
    url = "/en/manage/events/big/registrations/"
    for _ in range(2):
        services.register_for_event(user=UserFactory(), event=event)
    organiser_client.get(url)
    with CaptureQueriesContext(connection) as few:
        organiser_client.get(url)
    for _ in range(48):
        services.register_for_event(user=UserFactory(), event=event)

    with CaptureQueriesContext(connection) as many:
        organiser_client.get(url)

    assert len(many) == len(few)


def test_check_in_toggles_per_session(organiser_client, db):
    course = EventFactory(slug="llo", kind="llo_course", owners=[organiser_client.user])
    first, second = (SessionFactory(event=course, start=future(days=d)) for d in (3, 10))
    registration = services.register_for_event(user=UserFactory(name="Ruben Visser"), event=course)
    url = f"/en/manage/events/llo/sessions/{first.pk}/check-in/"

    page = organiser_client.get(url).content.decode()
    organiser_client.post(url, {"registration": registration.pk, "present": "1"})

    assert "Ruben Visser" in page
    assert 'aria-pressed="false"' in page
    assert 'aria-pressed="true"' in organiser_client.get(url).content.decode()
    assert list(Attendance.objects.values_list("session", flat=True)) == [first.pk]

    organiser_client.post(url, {"registration": registration.pk, "present": "0"})

    assert Attendance.objects.count() == 0
    assert second.attendances.count() == 0


def test_attendance_csv_has_a_column_per_session(organiser_client, db):
    course = EventFactory(slug="llo", kind="llo_course", owners=[organiser_client.user])
    sessions = [SessionFactory(event=course, start=future(days=d)) for d in (3, 10, 17)]
    present = services.register_for_event(user=UserFactory(name="=cmd|evil"), event=course)
    services.register_for_event(user=UserFactory(name="Absent Person"), event=course)
    for session in sessions[:2]:
        services.set_attendance(
            actor=organiser_client.user, registration=present, session=session, present=True
        )

    response = organiser_client.get("/en/manage/events/llo/attendance.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows[0]) == 3 + 3 + 1
    by_name = {row[0]: row[3:] for row in rows[1:]}
    assert by_name == {"'=cmd|evil": ["1", "1", "0", "2"], "Absent Person": ["0", "0", "0", "0"]}


def test_show_free_rooms_lists_busy_and_free_rooms_without_saving(organiser_client, event):
    busy_room = RoomFactory(slug="studio-a", name="Studio A")
    RoomFactory(slug="studio-b", name="Studio B", location=busy_room.location)
    start = future(days=5, hour=10)
    Booking.objects.create(
        room=busy_room,
        user=UserFactory(),
        start=start,
        end=start + timedelta(hours=1),
        blocked_from=start,
        blocked_until=start + timedelta(hours=1),
        title="Lab booking",
    )

    response = organiser_client.post(
        "/en/manage/events/podcast-workshop/sessions/new/",
        {
            "start": start.strftime("%Y-%m-%dT%H:%M"),
            "end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "room": "studio-b",
            "check_rooms": "1",
        },
    )

    html = response.content.decode()
    listing = html[html.index('<ul class="room-busy">') :]
    studio_a = listing[listing.index("Studio A (") :]
    studio_b = listing[listing.index("Studio B (") :]
    assert studio_a.index("busy") < studio_a.index("</li>")
    assert f"{start:%H:%M}–{start + timedelta(hours=1):%H:%M}" in studio_a[:200]
    assert studio_b.index("free") < studio_b.index("</li>")
    assert event.sessions.count() == 1


def test_organiser_lowers_capacity_on_the_page_and_nobody_is_removed(organiser_client, event):
    for _ in range(2):
        services.register_for_event(user=UserFactory(), event=event)

    organiser_client.post(
        "/en/manage/events/podcast-workshop/",
        {
            "title": "Podcast workshop",
            "programme": event.programme.pk,
            "kind": event.kind,
            "theme": event.theme,
            "audience": event.audience,
            "capacity": 1,
        },
    )

    event.refresh_from_db()
    assert (event.capacity, event.seats_taken) == (1, 2)
    assert Registration.objects.filter(status="confirmed").count() == 2
    assert "0 of 1" in organiser_client.get("/en/events/podcast-workshop/").content.decode()


def test_cancel_through_the_page_after_start_is_refused(db, client, user):
    started = EventFactory(slug="started")
    SessionFactory(
        event=started,
        start=timezone.now() - timedelta(minutes=5),
        end=timezone.now() + timedelta(hours=1),
    )
    registration = services.register_for_event(user=user, event=started)
    login(client, user)

    page = client.get("/en/events/started/").content.decode()
    html = client.post(f"/en/events/registrations/{registration.pk}/cancel/", follow=True)

    assert "Cancel my registration" not in page
    assert "can no longer be cancelled" in html.content.decode()
    registration.refresh_from_db()
    assert registration.status == "confirmed"


def test_events_page_date_out_of_range_is_a_form_error(db, client):
    response = client.get("/en/events/?start_from=2026-01-01&start_to=9999-12-31")

    assert response.status_code == 200
    assert "Give a date between 1900 and 9000." in response.content.decode()
