"""The room week view's hour scale (issue 16): pure placement, and on the page."""

from datetime import date, datetime, time

import pytest

from booking.timezones import LOCAL_TZ
from booking.weekview import hour_ticks
from tests.booking.conftest import next_clock_change
from tests.booking.factories import LocationFactory, RoomFactory


def local(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), LOCAL_TZ)


def test_an_ordinary_day_gets_every_whole_hour_from_opening_to_closing():
    day = date(2027, 1, 13)

    ticks = hour_ticks(local(day, "09:00"), local(day, "17:00"))

    assert [t.label for t in ticks] == ["09", "10", "11", "12", "13", "14", "15", "16", "17"]
    assert (ticks[0].left, ticks[4].left, ticks[-1].left) == (0, 50, 100)


def test_a_half_hour_opening_starts_the_scale_at_the_next_whole_hour():
    day = date(2027, 1, 13)

    ticks = hour_ticks(local(day, "08:30"), local(day, "12:30"))

    assert [t.label for t in ticks] == ["09", "10", "11", "12"]
    assert ticks[0].left == 12.5


def test_a_long_day_labels_every_other_hour():
    day = date(2027, 1, 13)

    ticks = hour_ticks(local(day, "07:00"), local(day, "23:00"))

    assert [t.label for t in ticks] == ["07", "09", "11", "13", "15", "17", "19", "21", "23"]


@pytest.mark.django_db
def test_the_autumn_clock_change_shows_the_repeated_hour_where_it_happens():
    day = next_clock_change(spring=False)
    start = datetime.combine(day, time(0), LOCAL_TZ)
    end = datetime.combine(day, time(6), LOCAL_TZ)  # 7 real hours: 02:00 comes twice

    ticks = hour_ticks(start, end)

    assert [t.label for t in ticks] == ["00", "01", "02", "02", "03", "04", "05", "06"]
    assert ticks[-1].left == 100


@pytest.mark.django_db
def test_the_room_page_shows_the_scale_under_each_open_day(client):
    location = LocationFactory(hours={0: ("09:00", "17:00")})  # Mondays only
    room = RoomFactory(location=location)

    page = client.get(f"/en/rooms/{room.slug}/?week=2027-01-11")

    assert page.text.count('class="hour-scale"') == 1
    assert '<text x="0.000000%" y="1.25em" text-anchor="start">09</text>' in page.text
    assert '<text x="100.000000%" y="1.25em" text-anchor="end">17</text>' in page.text
