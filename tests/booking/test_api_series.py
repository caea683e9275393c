from datetime import timedelta

import pytest

from booking.models import Booking, BookingStatus, Closure, Series
from tests.booking.conftest import at, next_clock_change
from tests.booking.factories import RoomFactory

pytestmark = pytest.mark.django_db


def post_series(client, room, day, rrule, start="09:00", end="12:00"):
    data = {
        "room": room.slug,
        "start": f"{day.isoformat()}T{start}",
        "end": f"{day.isoformat()}T{end}",
        "title": "Werkcollege",
        "rrule": rrule,
    }
    return client.post("/api/v1/bookings/", data, format="json")


def test_create_series_books_every_occurrence(user_api, room, day):
    response = post_series(user_api, room, day, "FREQ=WEEKLY;COUNT=10")

    assert response.status_code == 201
    weeks = [day + timedelta(days=7 * n) for n in range(10)]
    assert [(b["start"], b["end"]) for b in response.json()["results"]] == [
        (at(week, "09:00").isoformat(), at(week, "12:00").isoformat()) for week in weeks
    ]
    stored = Series.objects.get().bookings.order_by("start").values_list("start", "end", "title")
    assert list(stored) == [(at(w, "09:00"), at(w, "12:00"), "Werkcollege") for w in weeks]


def test_create_series_with_byday_and_until(user_api, room, day):
    until = (day + timedelta(days=13)).strftime("%Y%m%d")

    response = post_series(user_api, room, day, f"FREQ=WEEKLY;BYDAY=MO,WE;UNTIL={until}")

    assert response.status_code == 201
    assert len(response.json()["results"]) == 4


def test_create_series_all_or_nothing_lists_each_conflict(user_api, room, day):

    third = day + timedelta(days=14)
    fifth = day + timedelta(days=28)
    post_series(user_api, room, third, "FREQ=DAILY;COUNT=1", "10:00", "11:00")
    Closure.objects.create(room=room, start=at(fifth, "08:00"), end=at(fifth, "18:00"), reason="X")

    response = post_series(user_api, room, day, "FREQ=WEEKLY;COUNT=6")

    assert response.status_code == 409
    assert response.json()["conflicts"] == [
        {"start": at(third, "09:00").isoformat(), "end": at(third, "12:00").isoformat()},
        {"start": at(fifth, "09:00").isoformat(), "end": at(fifth, "12:00").isoformat()},
    ]
    assert "2 of 6" in response.json()["detail"]
    assert Booking.objects.count() == 1
    assert Series.objects.count() == 1


@pytest.mark.parametrize(
    "rrule",
    [
        "FREQ=MONTHLY;COUNT=3",
        "FREQ=WEEKLY",
        "FREQ=WEEKLY;COUNT=101",
        "FREQ=DAILY;UNTIL=20991231",
        "FREQ=WEEKLY;COUNT=3;BYMONTH=1",
        "FREQ=WEEKLY;BYDAY=XX;COUNT=2",
        "FREQ=WEEKLY;INTERVAL=0;COUNT=2",
        "FREQ=WEEKLY;INTERVAL=53;COUNT=1",
        "FREQ=DAILY;INTERVAL=²;COUNT=2",
        "FREQ=DAILY;COUNT=" + "9" * 5000,
        "nonsense",
    ],
)
def test_create_series_bad_rule_is_400(user_api, room, day, rrule):
    response = post_series(user_api, room, day, rrule)

    assert response.status_code == 400
    assert list(response.json()) == ["rrule"]
    assert Booking.objects.count() == 0


def test_create_series_longer_than_a_year_is_400(user_api, day):
    room = RoomFactory(max_days_ahead=800)

    response = post_series(user_api, room, day, "FREQ=WEEKLY;INTERVAL=4;COUNT=20")

    assert response.status_code == 400
    assert "one year" in response.json()["rrule"][0]


def test_move_following_occurrences_shifts_the_rest(user_api, room, day):
    ids = [
        b["id"] for b in post_series(user_api, room, day, "FREQ=WEEKLY;COUNT=4").json()["results"]
    ]
    third = Booking.objects.get(pk=ids[2])
    new_day = third.start.astimezone(at(day, "00:00").tzinfo).date()

    response = user_api.patch(
        f"/api/v1/bookings/{ids[2]}/",
        {"start": f"{new_day}T13:00", "end": f"{new_day}T15:00", "scope": "following"},
        format="json",
    )

    assert response.status_code == 200
    moved = Booking.objects.filter(pk__in=ids).order_by("start")
    local = [
        (b.start.astimezone(at(day, "00:00").tzinfo).strftime("%H:%M"), b.sequence) for b in moved
    ]
    assert local == [("09:00", 0), ("09:00", 0), ("13:00", 1), ("13:00", 1)]


def test_cancel_following_occurrences(user_api, room, day):
    ids = [
        b["id"] for b in post_series(user_api, room, day, "FREQ=WEEKLY;COUNT=4").json()["results"]
    ]

    response = user_api.post(f"/api/v1/bookings/{ids[1]}/cancel/", {"scope": "following"})

    statuses = list(
        Booking.objects.filter(pk__in=ids).order_by("start").values_list("status", flat=True)
    )
    assert response.status_code == 200
    assert statuses == [BookingStatus.CONFIRMED] + [BookingStatus.CANCELLED] * 3


def test_cancel_one_occurrence_keeps_the_rest(user_api, room, day):
    ids = [
        b["id"] for b in post_series(user_api, room, day, "FREQ=WEEKLY;COUNT=3").json()["results"]
    ]

    user_api.post(f"/api/v1/bookings/{ids[1]}/cancel/")

    statuses = list(
        Booking.objects.filter(pk__in=ids).order_by("start").values_list("status", flat=True)
    )
    assert statuses == ["confirmed", "cancelled", "confirmed"]


@pytest.fixture
def expanded_periods(monkeypatch):
    """How many days or weeks dateutil walked through while expanding rules."""
    from dateutil import rrule

    walked = []
    for name in ("ddayset", "wdayset"):
        original = getattr(rrule._iterinfo, name)

        def counting(self, *args, _original=original):
            walked.append(args)
            return _original(self, *args)

        monkeypatch.setattr(rrule._iterinfo, name, counting)
    return walked


@pytest.mark.parametrize(
    "rrule",
    [
        # BYDAY never matches a day the interval lands on: dateutil searched to the year 9999.
        "FREQ=DAILY;INTERVAL=7;BYDAY=TU;COUNT=2",
        "FREQ=WEEKLY;INTERVAL=52;COUNT=3",
        "FREQ=DAILY;UNTIL=99991231",
        "FREQ=DAILY;INTERVAL=9999;COUNT=2",
    ],
)
def test_create_series_pathological_rule_is_refused_within_a_year(
    user_api, room, day, rrule, expanded_periods
):
    response = post_series(user_api, room, day, rrule)

    assert response.status_code == 400
    assert list(response.json()) == ["rrule"]
    assert len(expanded_periods) <= 367
    assert Booking.objects.count() == 0


def test_create_series_expansion_is_counted_control(user_api, day, expanded_periods):
    # Control: the counter does see an expansion, one week at a time.
    room = RoomFactory(max_days_ahead=800)
    until = (day + timedelta(weeks=49)).strftime("%Y%m%d")

    response = post_series(user_api, room, day, f"FREQ=WEEKLY;UNTIL={until}")

    assert response.status_code == 201
    assert len(response.json()["results"]) == 50
    assert len(expanded_periods) >= 50


@pytest.mark.parametrize("spring", [True, False], ids=["spring", "autumn"])
def test_create_series_across_a_clock_change_keeps_the_wall_clock_time(user_api, room, spring):
    # Mondays two weeks either side of the change: 09:00-12:00 on the wall every week, and
    # three real hours each, whatever the offset (+01:00 in winter, +02:00 in summer).
    change = next_clock_change(spring=spring)
    mondays = [change + timedelta(days=days) for days in (-13, -6, 1, 8)]

    response = post_series(user_api, room, mondays[0], "FREQ=WEEKLY;COUNT=4")

    assert response.status_code == 201
    assert [(b["start"], b["end"]) for b in response.json()["results"]] == [
        (at(monday, "09:00").isoformat(), at(monday, "12:00").isoformat()) for monday in mondays
    ]
    offsets = {b["start"][-6:] for b in response.json()["results"]}
    assert offsets == {"+01:00", "+02:00"}
    stored = Booking.objects.order_by("start")
    assert [b.end - b.start for b in stored] == [timedelta(hours=3)] * 4


@pytest.mark.parametrize("spring", [True, False], ids=["spring", "autumn"])
def test_move_following_across_a_clock_change_keeps_the_wall_clock_time(user_api, room, spring):
    """The week-before-the-change occurrence moves to the Tuesday after it, 13:00: every
    later one moves by the same 8 days 4 hours on the wall clock. The same shift in UTC
    (an hour more or less, across the change) would land them at 12:00 or 14:00."""
    change = next_clock_change(spring=spring)
    mondays = [change + timedelta(days=days) for days in (-13, -6, 1, 8)]
    tuesdays = [change + timedelta(days=days) for days in (2, 9, 16)]
    ids = [
        b["id"]
        for b in post_series(user_api, room, mondays[0], "FREQ=WEEKLY;COUNT=4").json()["results"]
    ]

    response = user_api.patch(
        f"/api/v1/bookings/{ids[1]}/",
        {
            "start": at(tuesdays[0], "13:00").isoformat(),
            "end": at(tuesdays[0], "15:00").isoformat(),
            "scope": "following",
        },
        format="json",
    )

    assert response.status_code == 200
    moved = Booking.objects.order_by("start").values_list("start", "end", "sequence")
    assert list(moved) == [
        (at(mondays[0], "09:00"), at(mondays[0], "12:00"), 0),
        (at(tuesdays[0], "13:00"), at(tuesdays[0], "15:00"), 1),
        (at(tuesdays[1], "13:00"), at(tuesdays[1], "15:00"), 1),
        (at(tuesdays[2], "13:00"), at(tuesdays[2], "15:00"), 1),
    ]


def test_move_following_that_lands_a_later_occurrence_in_the_spring_gap_names_it(user_api, room):
    """Saturday 09:00 moved to Sunday 02:30 a week before the change: the next Saturday's
    occurrence would start at 02:30 on the day the clocks skip from 02:00 to 03:00."""
    change = next_clock_change(spring=True)
    saturdays = [change - timedelta(days=days) for days in (8, 1)]
    ids = [
        b["id"]
        for b in post_series(user_api, room, saturdays[0], "FREQ=WEEKLY;COUNT=2").json()["results"]
    ]
    before = list(Booking.objects.order_by("pk").values_list("pk", "start", "end", "sequence"))
    week_before = change - timedelta(days=7)

    response = user_api.patch(
        f"/api/v1/bookings/{ids[0]}/",
        {
            "start": f"{week_before.isoformat()}T02:30:00+01:00",
            "end": f"{week_before.isoformat()}T05:30:00+01:00",
            "scope": "following",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "start": [
            f"{change.isoformat()} 02:30 does not exist in Europe/Amsterdam (the clocks skip "
            "that hour); give a time outside the gap or add a UTC offset."
        ]
    }
    assert list(Booking.objects.order_by("pk").values_list("pk", "start", "end", "sequence")) == (
        before
    )
