"""Each booking rule on its limits, over HTTP: exactly at the limit, one minute short of it,
one minute past it. A refusal changes nothing in the database.

The clock is frozen (`frozen_now`), so "exactly 120 minutes' notice" means exactly that.
"""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from booking.errors import BookingError
from booking.models import Booking, BookingStatus, Room
from booking.services import create_booking
from booking.timezones import LOCAL_TZ
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)


@pytest.fixture
def now(monkeypatch):
    """A Monday 09:00 in Amsterdam, for every clock the code reads."""
    frozen = at(next_monday(), "09:00")
    monkeypatch.setattr(timezone, "now", lambda: frozen.astimezone(UTC))
    return frozen


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def book(client, room, start, end, **extra):
    body = {"room": room.slug, "start": start.isoformat(), "end": end.isoformat()}
    return client.post("/api/v1/bookings/", body | {"title": "Shoot"} | extra, format="json")


def rows() -> list[tuple]:
    """Everything a refused write must leave as it was."""
    return list(
        Booking.objects.order_by("pk").values_list(
            "pk", "user_id", "room_id", "start", "end", "status", "sequence", "title", "updated_at"
        )
    )


def past_booking(room, user, start, end) -> Booking:
    """A booking made back then, when its time was still ahead (arranged, not booked now)."""
    return Booking.objects.create(
        room=room,
        user=user,
        title="Shoot",
        start=start,
        end=end,
        blocked_from=start,
        blocked_until=end,
        status=BookingStatus.CONFIRMED,
    )


# --- Minimum notice --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("notice", "status"),
    [(timedelta(minutes=120), 201), (timedelta(minutes=121), 201), (timedelta(minutes=119), 400)],
    ids=["exactly-the-notice", "one-minute-more", "one-minute-short"],
)
def test_create_booking_on_the_minimum_notice(user_api, now, notice, status):
    room = RoomFactory(min_notice_minutes=120)

    response = book(user_api, room, now + notice, now + notice + timedelta(hours=1))

    assert response.status_code == status
    if status == 400:
        assert response.json() == {"start": ["Book at least 120 minutes before the start."]}
    assert Booking.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(
    ("offset", "status"),
    [(timedelta(0), 201), (MINUTE, 201), (-MINUTE, 400)],
    ids=["starting-now", "one-minute-ahead", "one-minute-ago"],
)
def test_create_booking_without_notice_may_start_now_but_not_in_the_past(
    user_api, now, offset, status
):
    room = RoomFactory(min_notice_minutes=0)

    response = book(user_api, room, now + offset, now + offset + timedelta(hours=1))

    assert response.status_code == status
    if status == 400:
        assert response.json() == {"start": ["The start is in the past."]}
    assert Booking.objects.count() == (1 if status == 201 else 0)


def test_move_booking_inside_the_minimum_notice_is_400_and_changes_nothing(user_api, now):
    room = RoomFactory(min_notice_minutes=120)
    start = now + timedelta(days=1)
    booking_id = book(user_api, room, start, start + timedelta(hours=1)).json()["id"]
    before = rows()

    short = user_api.patch(
        f"/api/v1/bookings/{booking_id}/",
        {"start": (now + 119 * MINUTE).isoformat(), "end": (now + 179 * MINUTE).isoformat()},
        format="json",
    )
    assert short.status_code == 400
    assert rows() == before

    exact = user_api.patch(
        f"/api/v1/bookings/{booking_id}/",
        {"start": (now + 120 * MINUTE).isoformat(), "end": (now + 180 * MINUTE).isoformat()},
        format="json",
    )
    assert exact.status_code == 200
    assert Booking.objects.get().start == now + 120 * MINUTE


# --- Maximum days ahead ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ahead", "status"),
    [
        (timedelta(days=14), 201),
        (timedelta(days=14) - MINUTE, 201),
        (timedelta(days=14) + MINUTE, 400),
    ],
    ids=["exactly-the-window", "one-minute-inside", "one-minute-outside"],
)
def test_create_booking_on_the_maximum_days_ahead(user_api, now, ahead, status):
    room = RoomFactory(max_days_ahead=14)

    response = book(user_api, room, now + ahead, now + ahead + timedelta(hours=1))

    assert response.status_code == status
    if status == 400:
        assert response.json() == {"start": ["This room can be booked at most 14 days ahead."]}
    assert Booking.objects.count() == (1 if status == 201 else 0)


# --- Duration --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "status", "message"),
    [
        (30, 201, None),
        (31, 201, None),
        (29, 400, "A booking of this room lasts at least 30 minutes."),
        (480, 201, None),
        (479, 201, None),
        (481, 400, "A booking of this room lasts at most 480 minutes."),
    ],
)
def test_create_booking_on_the_duration_limits(user_api, now, minutes, status, message):
    room = RoomFactory(min_duration_minutes=30, max_duration_minutes=480)
    start = now + timedelta(hours=1)

    response = book(user_api, room, start, start + minutes * MINUTE)

    assert response.status_code == status
    if message:
        assert response.json() == {"end": [message]}
    assert Booking.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize(("attendees", "status"), [(8, 201), (9, 400), (1, 201), (0, 400)], ids=str)
def test_create_booking_on_the_capacity_limits(user_api, now, attendees, status):
    room = RoomFactory(capacity=8)
    start = now + timedelta(hours=1)

    response = book(user_api, room, start, start + timedelta(hours=1), attendees=attendees)

    assert response.status_code == status
    if status == 400:
        assert list(response.json()) == ["attendees"]
    assert Booking.objects.count() == (1 if status == 201 else 0)


# --- "Already over" --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ends", "status"),
    [(timedelta(0), 400), (-MINUTE, 400), (MINUTE, 200)],
    ids=["ended-just-now", "ended-a-minute-ago", "ends-in-a-minute"],
)
def test_cancel_booking_that_is_over_is_refused_by_its_booker(user, user_api, now, ends, status):
    booking = past_booking(RoomFactory(), user, now + ends - timedelta(hours=1), now + ends)
    before = rows()

    response = user_api.post(f"/api/v1/bookings/{booking.pk}/cancel/")

    assert response.status_code == status
    if status == 400:
        assert response.json() == {"detail": "This booking is over; it can no longer be cancelled."}
        assert rows() == before
    else:
        assert Booking.objects.get().status == BookingStatus.CANCELLED


@pytest.mark.parametrize(
    ("ends", "status"),
    [(timedelta(0), 400), (-MINUTE, 400), (MINUTE, 200)],
    ids=["ended-just-now", "ended-a-minute-ago", "ends-in-a-minute"],
)
def test_move_booking_that_is_over_is_refused(user, user_api, now, ends, status):
    room = RoomFactory()
    booking = past_booking(room, user, now + ends - timedelta(hours=1), now + ends)
    later = now + timedelta(days=1)
    before = rows()

    response = user_api.patch(
        f"/api/v1/bookings/{booking.pk}/",
        {"start": later.isoformat(), "end": (later + timedelta(hours=1)).isoformat()},
        format="json",
    )

    assert response.status_code == status
    if status == 400:
        assert response.json() == {"detail": "This booking is over; it can no longer be moved."}
        assert rows() == before
    else:
        assert Booking.objects.get().start == later


def test_move_booking_that_is_over_is_refused_to_a_facility_manager_too(user, manager_api, now):
    # Staff may tidy up (cancel) the past, but a booking that happened stays where it was.
    booking = past_booking(RoomFactory(), user, now - timedelta(hours=2), now - timedelta(hours=1))
    later = now + timedelta(days=1)
    before = rows()

    response = manager_api.patch(
        f"/api/v1/bookings/{booking.pk}/",
        {"start": later.isoformat(), "end": (later + timedelta(hours=1)).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert rows() == before


# --- Facility managers -----------------------------------------------------------------------


def test_facility_manager_books_a_room_outside_their_affiliation(now):
    room = RoomFactory(bookable_by=["hu"])
    manager = UserFactory(affiliation="partner", groups=["facility_managers"])
    partner = UserFactory(affiliation="partner")
    start = now + timedelta(hours=1)

    refused = book(api_for(partner), room, start, start + timedelta(hours=1))
    assert refused.status_code == 403
    assert refused.json() == {"detail": f"{room.name} cannot be booked with your affiliation."}
    assert Booking.objects.count() == 0

    made = book(api_for(manager), room, start, start + timedelta(hours=1))
    assert made.status_code == 201
    assert list(Booking.objects.values_list("user_id", flat=True)) == [manager.pk]


def test_facility_manager_booking_in_an_approval_room_is_confirmed_at_once(
    user_api, manager_api, now
):
    room = RoomFactory(requires_approval=True)
    start = now + timedelta(hours=1)

    theirs = book(manager_api, room, start, start + timedelta(hours=1))
    others = book(user_api, room, start + timedelta(hours=2), start + timedelta(hours=3))

    assert (theirs.json()["status"], others.json()["status"]) == ("confirmed", "pending")


def test_facility_manager_moves_and_cancels_someone_elses_booking(user, user_api, now):
    manager = api_for(UserFactory(groups=["facility_managers"]))
    stranger = api_for(UserFactory())
    room = RoomFactory()
    start = now + timedelta(days=1)
    booking_id = book(user_api, room, start, start + timedelta(hours=1)).json()["id"]
    new = {
        "start": (start + timedelta(hours=2)).isoformat(),
        "end": (start + timedelta(hours=3)).isoformat(),
    }
    before = rows()

    assert stranger.patch(f"/api/v1/bookings/{booking_id}/", new, format="json").status_code == 404
    assert stranger.post(f"/api/v1/bookings/{booking_id}/cancel/").status_code == 404
    assert rows() == before

    moved = manager.patch(f"/api/v1/bookings/{booking_id}/", new, format="json")
    cancelled = manager.post(f"/api/v1/bookings/{booking_id}/cancel/")

    assert (moved.status_code, cancelled.status_code) == (200, 200)
    booking = Booking.objects.get()
    assert (booking.user, booking.start, booking.status) == (
        user,
        start + timedelta(hours=2),
        BookingStatus.CANCELLED,
    )


def test_facility_manager_cancels_a_booking_that_is_over(user, manager_api, now):
    booking = past_booking(RoomFactory(), user, now - timedelta(hours=2), now - timedelta(hours=1))

    response = manager_api.post(f"/api/v1/bookings/{booking.pk}/cancel/")

    assert response.status_code == 200
    assert Booking.objects.get().status == BookingStatus.CANCELLED


def test_staff_move_skips_the_bookers_rules_but_keeps_the_rooms(user, user_api, manager_api, now):
    """Staff move a booking on the booker's behalf (booking/services/bookings.py): the booker's own
    rules (notice, duration, window) do not bind them; the room's (opening hours) do."""
    room = RoomFactory(min_notice_minutes=120, max_duration_minutes=60, max_days_ahead=14)
    start = now + timedelta(days=1)
    booking_id = book(user_api, room, start, start + timedelta(hours=1)).json()["id"]
    against_the_bookers_rules = {
        "start": (now + 30 * MINUTE).isoformat(),
        "end": (now + 30 * MINUTE + timedelta(hours=2)).isoformat(),
    }
    before = rows()

    by_booker = user_api.patch(
        f"/api/v1/bookings/{booking_id}/", against_the_bookers_rules, format="json"
    )
    assert by_booker.status_code == 400
    assert rows() == before

    closed = now.replace(hour=23, minute=30)
    after_hours = manager_api.patch(
        f"/api/v1/bookings/{booking_id}/",
        {"start": closed.isoformat(), "end": (closed + timedelta(minutes=30)).isoformat()},
        format="json",
    )
    assert after_hours.status_code == 400
    assert list(after_hours.json()) == ["start"]
    assert rows() == before

    by_staff = manager_api.patch(
        f"/api/v1/bookings/{booking_id}/", against_the_bookers_rules, format="json"
    )
    assert by_staff.status_code == 200
    booking = Booking.objects.get()
    assert (booking.user, booking.start) == (user, now + 30 * MINUTE)


def test_clash_names_the_booking_in_local_24_hour_time(user_api, now):
    # 14:00 in Amsterdam: a 12-hour clock ("02:00") or UTC ("13:00") would both read wrong.
    room = RoomFactory(name="Studio 4")
    start = now.replace(hour=14)
    book(user_api, room, start, start + timedelta(hours=1))
    before = rows()

    response = book(user_api, room, start + 30 * MINUTE, start + timedelta(hours=2))

    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith("Studio 4 is already booked from ")
    assert " 14:00 to " in detail
    assert detail.endswith(" 15:00.")
    # Written as on every page: "Mon 7 Dec 14:00", the year only when it is not this one.
    local = start.astimezone(LOCAL_TZ)
    assert f"{local:%a} {local.day} {local:%b}" in detail
    assert (str(local.year) in detail) == (local.year != timezone.localdate().year)
    assert rows() == before


def test_booking_a_room_deleted_since_it_was_read_says_so():
    room = RoomFactory()
    Room.objects.filter(pk=room.pk).delete()

    with pytest.raises(BookingError) as refused:
        create_booking(user=UserFactory(), room=room, start=at(next_monday(), "10:00"),
                       end=at(next_monday(), "11:00"), title="")  # fmt: skip

    assert (refused.value.code, refused.value.field, str(refused.value.message)) == (
        "not_found",
        "room",
        "This room no longer exists.",
    )


def booking_after_the_room_changed(**change) -> BookingError:
    """Book a room as the API read it a moment ago, after `change` was saved to it since:
    the rules pass on what was read, and the booking's statement sees the room as it is."""
    from booking.selectors import room_for_booking

    user = UserFactory()
    room = room_for_booking(user, pk=RoomFactory(capacity=8).pk)
    Room.objects.filter(pk=room.pk).update(**change)
    with pytest.raises(BookingError) as refused:
        create_booking(user=user, room=room, start=at(next_monday(), "10:00"),
                       end=at(next_monday(), "11:00"), title="Shoot")  # fmt: skip
    assert not Booking.objects.exists()
    return refused.value


def test_booking_a_room_switched_off_since_it_was_read_says_so():
    refused = booking_after_the_room_changed(is_active=False)

    assert (refused.code, refused.field, str(refused.message)) == (
        "invalid",
        "room",
        "This room cannot be booked at the moment.",
    )


def test_booking_a_room_switched_to_seats_since_it_was_read_asks_to_book_again():
    refused = booking_after_the_room_changed(booking_mode="seats")

    assert (refused.code, str(refused.message)) == (
        "conflict",
        f"{Room.objects.get().name} was changed a moment ago. Please book again.",
    )
    assert [(s.isoformat(), e.isoformat()) for s, e in refused.conflicts] == [
        (at(next_monday(), "10:00").isoformat(), at(next_monday(), "11:00").isoformat())
    ]
