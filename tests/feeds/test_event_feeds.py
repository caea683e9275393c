from datetime import timedelta

import pytest
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.models import Session
from tests.events.conftest import future
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory
from tests.feeds.conftest import events_by_uid

pytestmark = pytest.mark.django_db


@pytest.fixture
def organiser_api(db):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(UserFactory(groups=["event_organisers"]))
    return client


def make_event(api, slug, *, programme="dmw-2026", theme="media_ict", sessions=1):
    start = future()
    body = {
        "slug": slug,
        "title": slug.replace("-", " ").title(),
        "kind": "dmw_session",
        "theme": theme,
        "programme": programme,
        "capacity": 30,
        "description": "Hands-on with volumetric video.",
        "sessions": [
            {
                "start": (start + timedelta(days=n)).isoformat(),
                "end": (start + timedelta(days=n, hours=2)).isoformat(),
                "location_text": "Studio 21, Media Park",
            }
            for n in range(sessions)
        ],
    }
    response = api.post("/api/v1/events/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def programmes(db):
    ProgrammeFactory(slug="dmw-2026", name="Dutch Media Week 2026")
    ProgrammeFactory(slug="campus", name="Campus events")


def test_event_feed_lists_every_session(client, organiser_api, programmes):
    make_event(organiser_api, "xr-course", sessions=3)
    sessions = list(Session.objects.order_by("start"))

    response = client.get("/feeds/events/xr-course.ics")

    events = events_by_uid(response)
    assert response.status_code == 200
    assert list(events) == [f"session-{s.pk}@127.0.0.1" for s in sessions]
    first = events[f"session-{sessions[0].pk}@127.0.0.1"]
    assert first.decoded("dtstart") == sessions[0].start
    assert str(first["SUMMARY"]) == "Xr Course"
    assert str(first["LOCATION"]) == "Studio 21, Media Park"
    assert str(first["URL"]).endswith("/events/xr-course/")


def test_programme_feed_has_only_its_programme(client, organiser_api, programmes):
    make_event(organiser_api, "in-dmw", programme="dmw-2026")
    make_event(organiser_api, "on-campus", programme="campus")

    response = client.get("/feeds/programmes/dmw-2026.ics")

    summaries = [str(e["SUMMARY"]) for e in events_by_uid(response).values()]
    assert summaries == ["In Dmw"]
    assert "X-WR-CALNAME:Dutch Media Week 2026" in response.content.decode()


def test_events_feed_filters_by_programme_and_theme(client, organiser_api, programmes):
    make_event(organiser_api, "ict-talk", theme="media_ict")
    make_event(organiser_api, "green-talk", theme="sustainability")
    make_event(organiser_api, "campus-green", programme="campus", theme="sustainability")

    everything = events_by_uid(client.get("/feeds/events.ics"))
    green = events_by_uid(client.get("/feeds/events.ics?theme=sustainability"))
    green_dmw = events_by_uid(
        client.get("/feeds/events.ics?theme=sustainability&programme=dmw-2026")
    )

    assert len(everything) == 3
    assert sorted(str(e["SUMMARY"]) for e in green.values()) == ["Campus Green", "Green Talk"]
    assert [str(e["SUMMARY"]) for e in green_dmw.values()] == ["Green Talk"]


def test_events_feed_unknown_filter_is_refused_and_caches_nothing(client, programmes):
    from django.core.cache import cache

    unknown_programme = client.get("/feeds/events.ics?programme=no-such-programme")
    nul_programme = client.get("/feeds/events.ics?programme=a%00b")
    unknown_theme = client.get("/feeds/events.ics?theme=nonsense")
    for n in range(20):
        client.get(f"/feeds/events.ics?programme=filler-{n}&theme=also-{n}")

    assert unknown_programme.status_code == 404
    assert nul_programme.status_code == 400  # refused where input is parsed (text_input)
    assert unknown_theme.status_code == 400
    assert "media_ict, sustainability" in unknown_theme.content.decode()
    assert list(cache._cache) == []  # locmem: not one body was cached for made-up filters


def test_unknown_programme_or_event_feed_is_404(client, db):
    assert client.get("/feeds/programmes/nope.ics").status_code == 404
    assert client.get("/feeds/events/nope.ics").status_code == 404


def test_moving_session_keeps_uid_and_raises_sequence(client, organiser_api, programmes):
    make_event(organiser_api, "xr-course")
    session = Session.objects.get()
    uid = f"session-{session.pk}@127.0.0.1"
    before = events_by_uid(client.get("/feeds/events/xr-course.ics"))[uid]
    new_start = future(days=10, hour=14)

    organiser_api.patch(
        "/api/v1/events/xr-course/",
        {
            "sessions": [
                {
                    "id": session.pk,
                    "start": new_start.isoformat(),
                    "end": (new_start + timedelta(hours=1)).isoformat(),
                    "location_text": "Studio 21, Media Park",
                }
            ]
        },
        format="json",
    )
    after = events_by_uid(client.get("/feeds/events/xr-course.ics"))[uid]

    assert after.decoded("dtstart") == new_start
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_resaving_unchanged_sessions_keeps_sequence(client, organiser_api, programmes):
    make_event(organiser_api, "xr-course")
    session = Session.objects.get()
    unchanged = {
        "id": session.pk,
        "start": session.start.isoformat(),
        "end": session.end.isoformat(),
        "location_text": session.location_text,
    }

    organiser_api.patch("/api/v1/events/xr-course/", {"sessions": [unchanged]}, format="json")

    session.refresh_from_db()
    assert session.sequence == 0


def test_renaming_event_raises_sequence_of_its_sessions(client, organiser_api, programmes):
    make_event(organiser_api, "xr-course")
    uid = f"session-{Session.objects.get().pk}@127.0.0.1"

    organiser_api.patch("/api/v1/events/xr-course/", {"title": "XR deep dive"}, format="json")
    after = events_by_uid(client.get("/feeds/events/xr-course.ics"))[uid]

    assert str(after["SUMMARY"]) == "XR deep dive"
    assert int(after["SEQUENCE"]) == 1


def test_removed_session_drops_out_of_feed(client, organiser_api, programmes):
    make_event(organiser_api, "xr-course", sessions=2)
    keep, _dropped = Session.objects.order_by("start")

    organiser_api.patch(
        "/api/v1/events/xr-course/",
        {
            "sessions": [
                {
                    "id": keep.pk,
                    "start": keep.start.isoformat(),
                    "end": keep.end.isoformat(),
                    "location_text": keep.location_text,
                }
            ]
        },
        format="json",
    )

    assert list(events_by_uid(client.get("/feeds/events/xr-course.ics"))) == [
        f"session-{keep.pk}@127.0.0.1"
    ]


def test_programme_feed_valid_for_vobject(client, organiser_api, programmes):
    make_event(organiser_api, "xr-course", sessions=2)

    parsed = vobject.readOne(client.get("/feeds/programmes/dmw-2026.ics").content.decode())

    assert parsed.validate() is True
    assert len(parsed.vevent_list) == 2


def test_event_feed_conditional_get(client, organiser_api, programmes):
    make_event(organiser_api, "xr-course")
    first = client.get("/feeds/events/xr-course.ics")

    not_modified = client.get("/feeds/events/xr-course.ics", HTTP_IF_NONE_MATCH=first["ETag"])
    organiser_api.patch("/api/v1/events/xr-course/", {"title": "Renamed"}, format="json")
    changed = client.get("/feeds/events/xr-course.ics", HTTP_IF_NONE_MATCH=first["ETag"])

    assert not_modified.status_code == 304
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


def _programme_feed_queries(client, count):
    programme = ProgrammeFactory()
    for n in range(count):
        SessionFactory(event=EventFactory(programme=programme, slug=f"{programme.slug}-e{n}"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/feeds/programmes/{programme.slug}.ics")
    assert len(events_by_uid(response)) == count
    return len(queries)


def test_programme_feed_query_count_constant(client, db):
    assert _programme_feed_queries(client, 2) == _programme_feed_queries(client, 50)
