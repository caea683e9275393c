"""Occupancy against real opening hours, figures computed by hand."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import intervals
from booking.models import BookingMode, BookingStatus, RoomKind
from booking.report_periods import Period
from booking.reports import heat_map, room_figures
from booking.timezones import LOCAL_TZ
from tests.booking.factories import LocationFactory, RoomFactory
from tests.reports.conftest import MONDAY, TUESDAY, WEDNESDAY, at, booked, closed

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/occupancy/"


@pytest.fixture
def centre():
    """A location open 09:00-17:00 every day, closed on Tuesday 12:00-14:00, with a lab and a
    shared room of 4 seats; bookings on Monday to Wednesday 1-3 June 2026."""
    lab_in_town = LocationFactory(
        slug="lab-in-het-centrum",
        name="Lab in het Centrum",
        hours=dict.fromkeys(range(7), ("09:00", "17:00")),
    )
    lab = RoomFactory(slug="lab", name="Lab", location=lab_in_town, kind=RoomKind.LAB)
    newsroom = RoomFactory(
        slug="newsroom",
        name="Newsroom",
        location=lab_in_town,
        kind=RoomKind.WORKSPACE,
        capacity=4,
        booking_mode=BookingMode.SEATS,
    )
    closed(at(TUESDAY, "12:00"), at(TUESDAY, "14:00"), location=lab_in_town)
    # Past closing time: only 16:00-17:00 counts.
    booked(lab, at(MONDAY, "16:00"), at(MONDAY, "19:00"))
    # Into the closure: only 11:00-12:00 counts.
    booked(lab, at(TUESDAY, "11:00"), at(TUESDAY, "13:00"))
    booked(lab, at(WEDNESDAY, "09:00"), at(WEDNESDAY, "10:00"), status=BookingStatus.RELEASED)
    booked(lab, at(WEDNESDAY, "10:00"), at(WEDNESDAY, "11:00"), status=BookingStatus.CANCELLED)
    booked(lab, at(WEDNESDAY, "13:00"), at(WEDNESDAY, "15:00"), status=BookingStatus.PENDING)
    # Two of four seats for two hours: half of two hours; a session holds it whole.
    booked(newsroom, at(MONDAY, "09:00"), at(MONDAY, "11:00"), attendees=2, whole=False)
    booked(newsroom, at(TUESDAY, "09:00"), at(TUESDAY, "10:00"), attendees=20, whole=True)
    return lab_in_town


def rows_of(api, group_by="room", first=MONDAY, last=WEDNESDAY):
    response = api.get(URL, {"from": first, "until": last, "group_by": group_by})
    assert response.status_code == 200, response.content
    return {row["key"]: row for row in response.json()["rows"]}


def test_occupancy_per_room_counts_opening_hours_minus_closures(viewer_api, centre):
    rows = rows_of(viewer_api)

    # 3 days of 8 hours, less the 2-hour closure: 22. Booked: 1 (Monday) + 1 (Tuesday).
    assert rows["lab"] == {
        "key": "lab",
        "label": "Lab",
        "open_hours": 22.0,
        "booked_hours": 2.0,
        "occupancy": round(2 / 22, 4),
        "bookings": 2,
        "released_bookings": 1,
        "released_hours": 1.0,
        "seat_hours": 0.0,
        "seat_capacity_hours": 0.0,
    }


def test_occupancy_of_a_seats_room_is_seat_hours_over_seat_capacity(viewer_api, centre):
    rows = rows_of(viewer_api)

    # 2 seats x 2 hours + 4 seats x 1 hour = 8 seat-hours of 22 x 4 = 88.
    assert rows["newsroom"]["seat_hours"] == 8.0
    assert rows["newsroom"]["seat_capacity_hours"] == 88.0
    assert rows["newsroom"]["booked_hours"] == 2.0
    assert rows["newsroom"]["occupancy"] == round(8 / 88, 4)


def test_occupancy_per_location_and_kind_adds_rooms_up(viewer_api, centre):
    by_location = rows_of(viewer_api, "location")
    by_kind = rows_of(viewer_api, "kind")

    assert by_location["lab-in-het-centrum"]["open_hours"] == 44.0
    assert by_location["lab-in-het-centrum"]["booked_hours"] == 4.0
    assert by_location["lab-in-het-centrum"]["occupancy"] == round(4 / 44, 4)
    assert by_location["lab-in-het-centrum"]["label"] == "Lab in het Centrum"
    assert set(by_kind) == {"lab", "workspace"}
    assert by_kind["workspace"]["label"] == "Workspace"


def test_occupancy_of_an_empty_period_is_zero(viewer_api, centre):
    rows = rows_of(viewer_api, first=date(2026, 7, 1), last=date(2026, 7, 1))

    assert rows["lab"]["open_hours"] == 8.0
    assert rows["lab"]["booked_hours"] == 0.0
    assert rows["lab"]["occupancy"] == 0.0


@pytest.fixture
def night_room():
    """Open 01:00-05:00 every night: across both clock changes of 2026."""
    night = LocationFactory(slug="night", hours=dict.fromkeys(range(7), ("01:00", "05:00")))
    return RoomFactory(slug="night-studio", location=night)


def test_occupancy_follows_the_spring_clock_change(viewer_api, night_room):
    # 29 March 2026 skips 02:00-03:00: 3 real hours open; the 28th and 30th have 4.
    booked(night_room, at(date(2026, 3, 29), "00:00"), at(date(2026, 3, 29), "06:00"))

    rows = rows_of(viewer_api, first=date(2026, 3, 28), last=date(2026, 3, 30))

    assert rows["night-studio"]["open_hours"] == 11.0
    assert rows["night-studio"]["booked_hours"] == 3.0


def test_occupancy_follows_the_autumn_clock_change(viewer_api, night_room):
    # 25 October 2026 passes 02:00-03:00 twice: 5 real hours open.
    start = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # 00:00 local, summer time
    booked(night_room, start, start + timedelta(hours=8))

    rows = rows_of(viewer_api, first=date(2026, 10, 24), last=date(2026, 10, 26))

    assert rows["night-studio"]["open_hours"] == 13.0
    assert rows["night-studio"]["booked_hours"] == 5.0


@pytest.mark.parametrize(
    "hours",
    [("01:00", "05:00"), ("02:30", "03:30"), ("00:00", "23:59"), ("08:00", "18:00")],
)
def test_open_hours_match_the_booking_rules_reading_of_opening_hours(db, hours):
    """The SQL reads wall-clock opening times as booking.intervals does, in the spring gap
    and the autumn repeat too."""
    location = LocationFactory(hours=dict.fromkeys(range(7), hours))
    RoomFactory(location=location)
    weekly = {day: [tuple(time.fromisoformat(t) for t in hours)] for day in range(7)}
    for period in (
        Period(date(2026, 3, 27), date(2026, 3, 31)),
        Period(date(2026, 10, 23), date(2026, 10, 27)),
    ):
        expected = intervals.total(
            intervals.opening_intervals(weekly, (period.since, period.until), LOCAL_TZ)
        )

        (room,) = room_figures([period], locations=[location.pk])

        assert room.figures.open_seconds == expected.total_seconds()


def test_heat_map_is_booked_over_open_room_hours(centre):
    cells = heat_map(Period(MONDAY, WEDNESDAY))

    # Monday 16:00: both rooms open, the lab booked: half.
    assert cells.occupancy(0, 16) == 0.5
    # Monday 09:00 and 10:00: two of the newsroom's four seats of two open rooms.
    assert cells.occupancy(0, 9) == 0.25
    # Tuesday 12:00: closed, nothing open to fill.
    assert cells.occupancy(1, 12) is None
    # Tuesday 11:00: the lab booked (the newsroom not).
    assert cells.occupancy(1, 11) == 0.5
    assert cells.hours == list(range(9, 17))


def test_occupancy_costs_the_same_queries_however_many_bookings(viewer_api, centre):
    lab = centre.rooms.get(slug="lab")
    rows_of(viewer_api)  # the role groups, read once and kept on the user
    with CaptureQueriesContext(connection) as before:
        rows_of(viewer_api)
    for day in range(3):
        start = datetime.combine(MONDAY + timedelta(days=day), time(9), LOCAL_TZ)
        booked(lab, start - timedelta(days=30), start - timedelta(days=30, hours=-1))
    RoomFactory(location=centre)

    with CaptureQueriesContext(connection) as after:
        rows_of(viewer_api)

    assert len(after) == len(before)
    # The report is one statement: nothing per room or booking.
    assert len(before) == 1
