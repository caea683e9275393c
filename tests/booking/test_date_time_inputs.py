"""Date and time entry that follows the page's language (issue 18, item 4): a day-month-year
date field, quarter-hour time choices, duration buttons and whole-day closures."""

import re
from datetime import date, timedelta

import pytest

from booking.models import Booking, Closure
from booking.widgets import duration_presets, parse_local_date, time_choices
from tests.booking.conftest import at, next_clock_change, shown_moment
from tests.booking.factories import RoomFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("8-12-2026", date(2026, 12, 8)),
        ("08/12/2026", date(2026, 12, 8)),
        ("08.12.2026", date(2026, 12, 8)),
        ("2026-12-08", date(2026, 12, 8)),
        (" 8-12-26 ", date(2026, 12, 8)),
        ("12/31/2026", None),  # the American order is not guessed at
        ("31-02-2027", None),
        ("morgen", None),
    ],
)
def test_dates_are_read_day_first(typed, day):
    assert parse_local_date(typed) == day


def test_times_come_in_quarter_hours_and_keep_one_off_the_grid():
    assert time_choices()[:3] == ["00:00", "00:15", "00:30"]
    assert len(time_choices()) == 96
    assert time_choices("13:10")[52:55] == ["13:00", "13:10", "13:15"]


def test_duration_buttons_stay_within_the_rooms_limits(settings):
    settings.LANGUAGE_CODE = "en"
    assert duration_presets(60, 180) == [
        (60, "1 hour"),
        (90, "1.5 hours"),
        (120, "2 hours"),
        (180, "3 hours"),
    ]


def test_a_booking_from_the_date_field_and_time_choices(user_client, room, day):
    response = user_client.post(
        f"/en/rooms/{room.slug}/",
        {
            "start_date": day.strftime("%d-%m-%Y"),
            "start_time": "10:00",
            "end_date": day.strftime("%d-%m-%Y"),
            "end_time": "11:30",
            "attendees": 2,
        },
    )

    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.start, booking.end) == (at(day, "10:00"), at(day, "11:30"))


def test_a_date_in_the_wrong_order_says_how_to_write_it_and_books_nothing(user_client, room, day):
    html = user_client.post(
        f"/en/rooms/{room.slug}/",
        {"start_date": "12/31/2026", "start_time": "10:00", "end_date": "", "end_time": "11:00"},
    ).text

    error = html.split('id="id_start_error">', 1)[1].split("</p>", 1)[0]
    assert "Give the date as day-month-year, for example" in error
    # What was typed comes back beside the error, to be corrected rather than retyped.
    assert 'name="start_date" value="12/31/2026"' in html
    assert Booking.objects.count() == 0


def test_a_missing_time_is_named(user_client, room, day):
    shown = day.strftime("%d-%m-%Y")
    html = user_client.post(
        f"/en/rooms/{room.slug}/",
        {"start_date": shown, "start_time": "", "end_date": shown, "end_time": "11:00"},
    ).text

    assert "Choose a time." in html.split('id="id_start_error">', 1)[1].split("</p>", 1)[0]
    assert Booking.objects.count() == 0


def test_the_dutch_form_asks_for_dd_mm_jjjj_and_offers_durations_in_dutch(user_client, room):
    html = user_client.get(f"/rooms/{room.slug}/").text

    assert "datetime-local" not in html
    assert 'placeholder="dd-mm-jjjj"' in html
    assert 'aria-label="Begin: tijd"' in html
    assert re.search(r'data-minutes="60" aria-pressed="false">1 uur<', html)
    assert 'type="date"' not in html


def test_a_prefilled_time_in_the_spring_gap_comes_back_as_typed(user_client, room):
    day = next_clock_change(spring=True)
    html = user_client.post(
        f"/en/rooms/{room.slug}/",
        {"start": f"{day}T02:30", "end": f"{day}T04:00", "attendees": 1},
    ).text

    assert "does not exist in Europe/Amsterdam" in html
    assert shown_moment(html, "start") == f"{day}T02:30"


def test_a_whole_day_closure_runs_from_midnight_to_midnight_after_the_last_day(
    client, facility_manager, day
):
    studio = RoomFactory(name="Podcaststudio")
    client.force_login(facility_manager)
    form = {
        "room": studio.pk,
        "whole_day": "on",
        "start_date": day.strftime("%d-%m-%Y"),
        "start_time": "",  # the times are hidden and do not count
        "end_date": (day + timedelta(days=1)).strftime("%d-%m-%Y"),
        "end_time": "",
        "reason": "Verbouwing",
    }

    response = client.post("/en/manage/bookings/closures/", form)

    assert response.status_code == 302
    closure = Closure.objects.get()
    assert (closure.start, closure.end) == (at(day, "00:00"), at(day + timedelta(days=2), "00:00"))


def test_without_whole_days_the_times_count_control(client, facility_manager, day):
    studio = RoomFactory(name="Podcaststudio")
    client.force_login(facility_manager)
    shown = day.strftime("%d-%m-%Y")
    form = {
        "room": studio.pk,
        "start_date": shown,
        "start_time": "08:00",
        "end_date": shown,
        "end_time": "18:00",
        "reason": "Onderhoud",
    }

    client.post("/en/manage/bookings/closures/", form)

    closure = Closure.objects.get()
    assert (closure.start, closure.end) == (at(day, "08:00"), at(day, "18:00"))
