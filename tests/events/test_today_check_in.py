"""The organiser's way to today's check-in (issue 18, item 6): /manage/ lists today's
sessions of their events, each one tap from its check-in list."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.timezones import LOCAL_TZ
from tests.factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def today_at(hour: int, days: int = 0) -> datetime:
    return datetime.combine(timezone.localdate() + timedelta(days=days), time(hour), LOCAL_TZ)


def session_at(hour: int, days: int = 0, **event):
    start = today_at(hour, days)
    return SessionFactory(event=EventFactory(**event), start=start, end=start + timedelta(hours=1))


def today_links(html: str) -> list[str]:
    if 'id="today-heading"' not in html:
        return []
    listed = html.split('id="today-heading"', 1)[1].split("</ul>", 1)[0]
    return [part.split('"', 1)[0] for part in listed.split('href="')[1:]]


def test_todays_sessions_of_my_events_link_to_their_check_in(client):
    alice = UserFactory(groups=["event_organisers"])
    mine = session_at(10, owners=[alice])
    later_today = SessionFactory(event=mine.event, start=today_at(15), end=today_at(16))
    session_at(11, days=1, owners=[alice])  # tomorrow
    session_at(10)  # someone else's event today
    client.force_login(alice)

    links = today_links(client.get("/en/manage/").text)

    assert links == [
        f"/en/manage/events/{mine.event.slug}/sessions/{session.pk}/check-in/"
        for session in (mine, later_today)
    ]


def test_an_event_administrator_sees_every_session_today(client):
    admin = UserFactory(groups=["event_administrators"])
    theirs = session_at(9)
    client.force_login(admin)

    assert today_links(client.get("/en/manage/").text) == [
        f"/en/manage/events/{theirs.event.slug}/sessions/{theirs.pk}/check-in/"
    ]


def test_nothing_today_shows_no_list_control(client):
    alice = UserFactory(groups=["event_organisers"])
    session_at(10, days=2, owners=[alice])
    client.force_login(alice)

    html = client.get("/en/manage/").text

    assert "Today: check people in" not in html


def test_todays_list_costs_the_same_queries_for_one_session_or_twenty(client):
    alice = UserFactory(groups=["event_organisers"])
    session_at(10, owners=[alice])
    client.force_login(alice)
    client.get("/en/manage/")
    with CaptureQueriesContext(connection) as few:
        client.get("/en/manage/")
    for hour in range(19):
        session_at(hour % 23, owners=[alice])

    with CaptureQueriesContext(connection) as many:
        html = client.get("/en/manage/").text

    assert len(today_links(html)) == 20
    assert len(many) == len(few)
