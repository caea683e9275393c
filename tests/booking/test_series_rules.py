"""Series over HTTP: what every occurrence carries, and who may move or cancel the rest.

Written against mutmut's survivors in booking/services/series.py (create_series, series_problems,
move_following, cancel_following): each test pins a behaviour a small change got past.
"""

from datetime import UTC, timedelta

import pytest
from rest_framework.test import APIClient

from accounts.models import OutboxMail
from booking.models import Booking, BookingMode, BookingStatus, Series
from booking.services import create_booking, create_series, move_following
from booking.services.series import occurrence_spans
from tests.booking.conftest import at, next_clock_change
from tests.booking.factories import RoomFactory
from tests.booking.test_rule_obstacles import label
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def post_series(client, room, day, rrule, start="09:00", end="10:00", **extra):
    body = {
        "room": room.slug,
        "start": at(day, start).isoformat(),
        "end": at(day, end).isoformat(),
        "title": "Werkcollege",
        "rrule": rrule,
    }
    return client.post("/api/v1/bookings/", body | extra, format="json")


def patch_following(client, booking_id, start, end, **extra):
    """PATCH a booking of a series and those after it to [start, end)."""
    return client.patch(
        f"/api/v1/bookings/{booking_id}/",
        {"start": start.isoformat(), "end": end.isoformat(), "scope": "following", **extra},
        format="json",
    )


def rows() -> list[tuple]:
    return list(
        Booking.objects.order_by("pk").values_list(
            "pk", "start", "end", "status", "sequence", "title", "blocked_from", "blocked_until"
        )
    )


def test_create_series_every_occurrence_carries_the_request(user, user_api, day):
    room = RoomFactory(requires_approval=True, buffer_minutes=15)

    response = post_series(
        user_api, room, day, "FREQ=DAILY;COUNT=3", attendees=3, public_title=True
    )

    assert response.status_code == 201
    series = Series.objects.get()
    assert (series.room, series.user, series.rrule) == (room, user, "FREQ=DAILY;COUNT=3")
    days = [day + timedelta(days=n) for n in range(3)]
    stored = Booking.objects.order_by("start").values_list(
        "user",
        "series",
        "status",
        "attendees",
        "public_title",
        "title",
        "blocked_from",
        "blocked_until",
    )
    assert list(stored) == [
        (
            user.pk,
            series.pk,
            BookingStatus.PENDING,
            3,
            True,
            "Werkcollege",
            at(d, "08:45"),
            at(d, "10:15"),
        )
        for d in days
    ]


def test_create_series_by_facility_manager_in_approval_room_is_confirmed(manager_api, day):
    room = RoomFactory(requires_approval=True)

    response = post_series(manager_api, room, day, "FREQ=DAILY;COUNT=2")

    assert [b["status"] for b in response.json()["results"]] == ["confirmed", "confirmed"]


def test_create_series_beyond_the_window_lists_each_late_occurrence(user_api, day):
    # day+7 at 09:00 is inside the window (it ends a day later), day+14 is not.
    room = RoomFactory(max_days_ahead=(day - day.today()).days + 8)

    response = post_series(user_api, room, day, "FREQ=WEEKLY;COUNT=4")

    assert response.status_code == 409
    late = [day + timedelta(days=14), day + timedelta(days=21)]
    assert response.json()["conflicts"] == [
        {"start": at(d, "09:00").isoformat(), "end": at(d, "10:00").isoformat()} for d in late
    ]
    assert response.json()["detail"].startswith("2 of 4 occurrences cannot be booked")
    assert response.json()["detail"].count("days ahead") == 2
    assert (Booking.objects.count(), Series.objects.count()) == (0, 0)


def test_create_series_outside_opening_hours_names_the_reason(user_api, day):
    room = RoomFactory()

    response = post_series(user_api, room, day, "FREQ=DAILY;COUNT=2", start="22:30", end="23:30")

    assert response.status_code == 409
    assert response.json()["detail"].count("is not open for the whole of this time") == 2
    assert Booking.objects.count() == 0


def test_move_following_renames_and_rebuffers_the_rest(user_api, day):
    room = RoomFactory(buffer_minutes=10)
    ids = [
        b["id"] for b in post_series(user_api, room, day, "FREQ=DAILY;COUNT=3").json()["results"]
    ]

    response = patch_following(
        user_api,
        ids[1],
        at(day + timedelta(days=1), "11:00"),
        at(day + timedelta(days=1), "12:30"),
        title="Tentamen",
    )

    assert response.status_code == 200
    assert response.json()["id"] == ids[1]
    days = [day + timedelta(days=n) for n in range(3)]
    stored = Booking.objects.order_by("start").values_list(
        "start", "end", "title", "sequence", "blocked_from", "blocked_until"
    )
    assert list(stored) == [
        (
            at(days[0], "09:00"),
            at(days[0], "10:00"),
            "Werkcollege",
            0,
            at(days[0], "08:50"),
            at(days[0], "10:10"),
        ),
        *[
            (at(d, "11:00"), at(d, "12:30"), "Tentamen", 1, at(d, "10:50"), at(d, "12:40"))
            for d in days[1:]
        ],
    ]


def test_move_following_onto_another_booking_is_409_and_changes_nothing(user_api, day):
    room = RoomFactory()
    ids = [
        b["id"] for b in post_series(user_api, room, day, "FREQ=DAILY;COUNT=3").json()["results"]
    ]
    other = UserFactory()
    client = APIClient()
    client.force_authenticate(other)
    blocker = day + timedelta(days=2)
    client.post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": at(blocker, "13:00").isoformat()}
        | {"end": at(blocker, "14:00").isoformat(), "title": "Opname"},
        format="json",
    )
    before = rows()

    response = patch_following(
        user_api, ids[1], at(day + timedelta(days=1), "13:00"), at(day + timedelta(days=1), "14:00")
    )

    assert response.status_code == 409
    assert response.json()["conflicts"] == [
        {"start": at(blocker, "13:00").isoformat(), "end": at(blocker, "14:00").isoformat()}
    ]
    assert response.json()["detail"].startswith("1 of 2 occurrences cannot be booked")
    assert rows() == before


def test_move_following_by_a_stranger_is_404_and_by_staff_skips_the_bookers_rules(
    user_api, manager_api, day
):
    room = RoomFactory(max_duration_minutes=60)
    ids = [
        b["id"] for b in post_series(user_api, room, day, "FREQ=DAILY;COUNT=2").json()["results"]
    ]
    longer = {
        "start": at(day, "09:00").isoformat(),
        "end": at(day, "11:00").isoformat(),
        "scope": "following",
    }
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    before = rows()

    assert stranger.patch(f"/api/v1/bookings/{ids[0]}/", longer, format="json").status_code == 404
    by_booker = user_api.patch(f"/api/v1/bookings/{ids[0]}/", longer, format="json")
    assert (by_booker.status_code, list(by_booker.json())) == (400, ["end"])
    assert rows() == before

    by_staff = manager_api.patch(f"/api/v1/bookings/{ids[0]}/", longer, format="json")

    assert by_staff.status_code == 200
    ends = list(Booking.objects.order_by("start").values_list("end", flat=True))
    assert ends == [at(day, "11:00"), at(day + timedelta(days=1), "11:00")]


def test_cancel_following_cancels_only_from_this_one_and_raises_sequence(user_api, day):
    room = RoomFactory()
    ids = [
        b["id"] for b in post_series(user_api, room, day, "FREQ=DAILY;COUNT=3").json()["results"]
    ]

    response = user_api.post(f"/api/v1/bookings/{ids[1]}/cancel/", {"scope": "following"})

    assert (response.status_code, response.json()["id"]) == (200, ids[1])
    stored = Booking.objects.order_by("start").values_list("status", "sequence")
    assert list(stored) == [("confirmed", 0), ("cancelled", 1), ("cancelled", 1)]


def test_cancel_following_of_a_cancelled_occurrence_is_400_and_changes_nothing(user_api, day):
    room = RoomFactory()
    ids = [
        b["id"] for b in post_series(user_api, room, day, "FREQ=DAILY;COUNT=3").json()["results"]
    ]
    user_api.post(f"/api/v1/bookings/{ids[1]}/cancel/")
    before = rows()

    response = user_api.post(f"/api/v1/bookings/{ids[1]}/cancel/", {"scope": "following"})

    assert response.status_code == 400
    assert response.json() == {"detail": "This booking is already cancelled or declined."}
    assert rows() == before


def test_cancel_following_by_a_stranger_is_404_and_changes_nothing(user_api, day):
    room = RoomFactory()
    ids = [
        b["id"] for b in post_series(user_api, room, day, "FREQ=DAILY;COUNT=2").json()["results"]
    ]
    stranger = APIClient()
    stranger.force_authenticate(UserFactory())
    before = rows()

    response = stranger.post(f"/api/v1/bookings/{ids[0]}/cancel/", {"scope": "following"})

    assert response.status_code == 404
    assert rows() == before


def test_move_following_of_a_single_booking_moves_just_it(user_api, room, day):
    booking_id = user_api.post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": at(day, "09:00").isoformat()}
        | {"end": at(day, "10:00").isoformat(), "title": "Montage"},
        format="json",
    ).json()["id"]

    response = patch_following(
        user_api, booking_id, at(day, "13:00"), at(day, "14:30"), title="Montage 2"
    )

    assert response.status_code == 200
    stored = Booking.objects.values_list("start", "end", "title", "sequence")
    assert list(stored) == [(at(day, "13:00"), at(day, "14:30"), "Montage 2", 1)]


def test_cancel_following_of_a_single_booking_cancels_just_it(user_api, room, day):
    booking_id = user_api.post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": at(day, "09:00").isoformat()}
        | {"end": at(day, "10:00").isoformat(), "title": "Montage"},
        format="json",
    ).json()["id"]

    response = user_api.post(f"/api/v1/bookings/{booking_id}/cancel/", {"scope": "following"})

    assert response.status_code == 200
    assert list(Booking.objects.values_list("status", "sequence")) == [("cancelled", 1)]


def test_move_following_twice_raises_sequence_each_time_and_owes_new_reminders(user_api, day):
    from booking.reminders import send_booking_reminders

    room = RoomFactory()
    ids = [
        b["id"] for b in post_series(user_api, room, day, "FREQ=DAILY;COUNT=2").json()["results"]
    ]
    reminded = send_booking_reminders(now=at(day + timedelta(days=1), "08:00"))
    for start, end in (("11:00", "12:00"), ("13:00", "14:00")):
        patch_following(user_api, ids[0], at(day, start), at(day, end))

    stored = Booking.objects.order_by("start").values_list("sequence", "reminder_sent_at")
    assert reminded == 1  # the second occurrence, which then moves
    assert list(stored) == [(2, None), (2, None)]


def test_cancel_a_cancelled_booking_is_400_and_changes_nothing(user_api, room, day):
    booking_id = user_api.post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": at(day, "09:00").isoformat()}
        | {"end": at(day, "10:00").isoformat(), "title": "Montage"},
        format="json",
    ).json()["id"]
    user_api.post(f"/api/v1/bookings/{booking_id}/cancel/")
    before = rows()

    response = user_api.post(f"/api/v1/bookings/{booking_id}/cancel/")

    assert response.status_code == 400
    assert response.json() == {"detail": "This booking is already cancelled or declined."}
    assert rows() == before


def test_approve_a_declined_booking_is_400_and_changes_nothing(user_api, manager_api, day):
    room = RoomFactory(requires_approval=True)
    booking_id = user_api.post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": at(day, "09:00").isoformat()}
        | {"end": at(day, "10:00").isoformat(), "title": "Montage"},
        format="json",
    ).json()["id"]
    manager_api.post(f"/api/v1/bookings/{booking_id}/decline/")
    before = rows()

    response = manager_api.post(f"/api/v1/bookings/{booking_id}/approve/")

    assert response.status_code == 400
    assert response.json() == {"detail": "Only a pending booking can be approved or declined."}
    assert rows() == before


@pytest.mark.parametrize(
    ("buffer_minutes", "status"),
    [(660, 201), (661, 409)],
    ids=["next-starts-exactly-at-the-end-plus-buffer", "one-minute-inside-the-buffer"],
)
def test_create_series_on_the_buffer_between_its_own_occurrences(
    user_api, day, buffer_minutes, status
):
    # 09:00-22:00 daily: the next occurrence starts 11 hours after the previous one ends.
    room = RoomFactory(buffer_minutes=buffer_minutes, max_duration_minutes=13 * 60)

    response = post_series(user_api, room, day, "FREQ=DAILY;COUNT=2", end="22:00")

    assert response.status_code == status
    if status == 409:
        detail = response.json()["detail"]
        assert detail.startswith("1 of 2 occurrences cannot be booked, so none were: ")
        assert detail.endswith(": It overlaps the previous occurrence of this series.")
        assert [c["start"] for c in response.json()["conflicts"]] == [
            at(day + timedelta(days=1), "09:00").isoformat()
        ]
        assert not Booking.objects.exists()
    else:
        assert Booking.objects.count() == 2


def test_create_series_unless_told_books_one_private_seat_each_time(user, day):
    room = RoomFactory()

    create_series(
        user=user,
        room=room,
        start=at(day, "09:00"),
        end=at(day, "10:00"),
        title="Werkcollege",
        rrule="FREQ=DAILY;COUNT=2",
    )

    stored = Booking.objects.order_by("start").values_list("attendees", "public_title")
    assert list(stored) == [(1, False), (1, False)]


@pytest.mark.parametrize(("attendees", "status"), [(8, 201), (9, 400)])
def test_create_series_holds_at_most_the_rooms_capacity(user_api, day, attendees, status):
    room = RoomFactory(capacity=8, name="Studio 3")

    response = post_series(user_api, room, day, "FREQ=DAILY;COUNT=2", attendees=attendees)

    assert response.status_code == status
    if status == 400:
        assert response.json() == {"attendees": ["Studio 3 holds at most 8 people."]}
    assert Booking.objects.count() == (2 if status == 201 else 0)


def test_create_series_in_a_seats_room_takes_only_its_seats(user_api, day):
    lab = RoomFactory(booking_mode=BookingMode.SEATS, capacity=4)

    response = post_series(user_api, lab, day, "FREQ=DAILY;COUNT=2", attendees=3)

    assert response.status_code == 201
    stored = Booking.objects.values_list("attendees", "takes_whole_room")
    assert list(stored) == [(3, False), (3, False)]


def test_create_series_over_a_booking_of_a_whole_room_names_it_as_booked(user_api, day):
    room = RoomFactory(name="Studio 3")
    blocker = day + timedelta(days=1)
    create_booking(
        user=UserFactory(),
        room=room,
        start=at(blocker, "09:30"),
        end=at(blocker, "10:30"),
        title="Opname",
    )

    response = post_series(user_api, room, day, "FREQ=DAILY;COUNT=2")

    # A whole room is booked or not: the refusal never speaks of seats left.
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"1 of 2 occurrences cannot be booked, so none were: {label(at(blocker, '09:00'))}: "
        f"Studio 3 is already booked from {label(at(blocker, '09:30'))} to "
        f"{label(at(blocker, '10:30'))}."
    )
    assert Booking.objects.count() == 1


def test_create_series_owes_one_mail_for_all_to_the_booker_and_each_approver(user_api, day):
    room = RoomFactory(requires_approval=True)
    manager = UserFactory(language="en")
    room.managers.add(manager)

    response = post_series(user_api, room, day, "FREQ=DAILY;COUNT=3")

    first = response.json()["results"][0]["id"]
    owed = OutboxMail.objects.order_by("id").values_list("kind", "payload")
    assert list(owed) == [
        ("booking.created", {"booking": first, "status": "pending"}),
        (
            "booking.needs_approval",
            {"booking": first, "again": False, "occurrences": 3, "manager": manager.pk},
        ),
    ]


def test_create_series_whose_rule_lands_in_the_spring_gap_names_it_on_the_rule(user_api, room):
    change = next_clock_change(spring=True)
    week_before = change - timedelta(days=7)

    response = user_api.post(
        "/api/v1/bookings/",
        {
            "room": room.slug,
            "start": f"{week_before.isoformat()}T02:30:00+01:00",
            "end": f"{week_before.isoformat()}T03:30:00+01:00",
            "title": "Nachtopname",
            "rrule": "FREQ=WEEKLY;COUNT=2",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "rrule": [
            f"{change.isoformat()} 02:30 does not exist in Europe/Amsterdam (the clocks skip "
            "that hour); give a time outside the gap or add a UTC offset."
        ]
    }
    assert Booking.objects.count() == 0


def test_occurrence_spans_end_in_utc_a_real_length_after_the_start():
    # series_problems adds the buffer to an end: in UTC that is real time on any day.
    change = next_clock_change(spring=True)
    saturday = change - timedelta(days=1)

    spans = occurrence_spans("FREQ=DAILY;COUNT=2", at(saturday, "01:00"), at(saturday, "04:00"))

    assert spans == [
        (at(saturday, "01:00"), at(saturday, "04:00")),
        # Three real hours across the skipped hour: 05:00 on the wall, not 04:00.
        (at(change, "01:00"), at(change, "05:00")),
    ]
    assert [end.tzinfo for _start, end in spans] == [UTC, UTC]


def test_move_following_gives_back_ends_in_utc(user, day):
    room = RoomFactory()
    first = create_series(
        user=user,
        room=room,
        start=at(day, "09:00"),
        end=at(day, "10:00"),
        title="Werkcollege",
        rrule="FREQ=DAILY;COUNT=2",
    )[0]

    moved = move_following(booking=first, actor=user, start=at(day, "11:00"), end=at(day, "12:30"))

    assert [(b.start, b.end) for b in moved] == [
        (at(d, "11:00"), at(d, "12:30")) for d in (day, day + timedelta(days=1))
    ]
    assert [b.end.tzinfo for b in moved] == [UTC, UTC]


@pytest.mark.parametrize("scope", ["move", "cancel"])
def test_following_by_a_manager_of_the_room_is_refused_saying_who_may(user_api, day, scope):
    room = RoomFactory()
    manager = UserFactory()
    room.managers.add(manager)
    ids = [
        b["id"] for b in post_series(user_api, room, day, "FREQ=DAILY;COUNT=2").json()["results"]
    ]
    client = APIClient()
    client.force_authenticate(manager)
    before = rows()

    if scope == "move":
        response = patch_following(client, ids[0], at(day, "11:00"), at(day, "12:00"))
    else:
        response = client.post(f"/api/v1/bookings/{ids[0]}/cancel/", {"scope": "following"})

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only the booker changes or cancels a booking; as a manager of this room you "
        "can approve or decline it."
    }
    assert rows() == before


def test_move_following_beyond_the_window_only_by_a_facility_manager(user_api, manager_api, day):
    # The window ends on day+8 at this time of day: day+2 is inside, day+9 is not.
    room = RoomFactory(max_days_ahead=(day - day.today()).days + 8)
    ids = [
        b["id"] for b in post_series(user_api, room, day, "FREQ=WEEKLY;COUNT=2").json()["results"]
    ]
    later = {
        "start": at(day + timedelta(days=2), "09:00").isoformat(),
        "end": at(day + timedelta(days=2), "10:00").isoformat(),
        "scope": "following",
    }
    before = rows()

    by_booker = user_api.patch(f"/api/v1/bookings/{ids[0]}/", later, format="json")

    assert by_booker.status_code == 409
    assert by_booker.json()["conflicts"] == [
        {
            "start": at(day + timedelta(days=9), "09:00").isoformat(),
            "end": at(day + timedelta(days=9), "10:00").isoformat(),
        }
    ]
    assert rows() == before

    # Staff skip the booker's rules, the window of every occurrence as of one booking.
    by_staff = manager_api.patch(f"/api/v1/bookings/{ids[0]}/", later, format="json")

    assert by_staff.status_code == 200
    starts = list(Booking.objects.order_by("start").values_list("start", flat=True))
    assert starts == [at(day + timedelta(days=n), "09:00") for n in (2, 9)]


def test_move_following_in_a_seats_room_shares_the_time_with_seats_left(user_api, day):
    lab = RoomFactory(booking_mode=BookingMode.SEATS, capacity=4)
    ids = [
        b["id"]
        for b in post_series(user_api, lab, day, "FREQ=WEEKLY;COUNT=2", attendees=2).json()[
            "results"
        ]
    ]
    other_day = day + timedelta(days=7)
    create_booking(
        user=UserFactory(),
        room=lab,
        start=at(other_day, "14:00"),
        end=at(other_day, "15:00"),
        title="Montage",
        attendees=2,
    )

    response = patch_following(user_api, ids[0], at(day, "14:00"), at(day, "15:00"))

    # Two seats and two more fill the room without a seat too many.
    assert response.status_code == 200
    moved = Booking.objects.filter(pk__in=ids).order_by("start").values_list("start", flat=True)
    assert list(moved) == [at(day, "14:00"), at(other_day, "14:00")]
