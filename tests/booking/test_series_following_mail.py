"""Moving or cancelling "this and the following" occurrences over HTTP: whom it tells, about
which occurrence, and what stays confirmed. The mail owed is read from the outbox, where the
change's transaction writes it.
"""

from datetime import timedelta

import pytest

from accounts.models import OutboxMail
from booking.models import Booking, BookingStatus
from tests.booking.conftest import at
from tests.booking.factories import RoomFactory
from tests.booking.test_rule_obstacles import label
from tests.booking.test_series_rules import post_series
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def owed() -> list[tuple[str, dict]]:
    return list(OutboxMail.objects.order_by("id").values_list("kind", "payload"))


def series_ids(client, room, day) -> list[int]:
    response = post_series(client, room, day, "FREQ=DAILY;COUNT=3")
    assert response.status_code == 201
    OutboxMail.objects.all().delete()  # the creation's own mail is another test's
    return [booking["id"] for booking in response.json()["results"]]


def move_following(client, booking_id, day, start, end):
    body = {
        "start": at(day, start).isoformat(),
        "end": at(day, end).isoformat(),
        "scope": "following",
    }
    return client.patch(f"/api/v1/bookings/{booking_id}/", body, format="json")


def test_move_following_tells_the_booker_once_about_the_first_moved_occurrence(user_api, day):
    room = RoomFactory()
    ids = series_ids(user_api, room, day)

    response = move_following(user_api, ids[1], day + timedelta(days=1), "13:00", "14:00")

    assert response.status_code == 200
    assert owed() == [("booking.moved", {"status": "confirmed", "booking": ids[1]})]
    statuses = Booking.objects.order_by("start").values_list("status", flat=True)
    assert list(statuses) == [BookingStatus.CONFIRMED] * 3


def test_move_following_in_an_approval_room_asks_the_managers_again(user_api, day):
    UserFactory(groups=["facility_managers"])
    room = RoomFactory(requires_approval=True)
    ids = series_ids(user_api, room, day)
    Booking.objects.update(status=BookingStatus.CONFIRMED)  # approved by a manager

    response = move_following(user_api, ids[1], day + timedelta(days=1), "13:00", "14:00")

    assert response.status_code == 200
    kinds = [kind for kind, _payload in owed()]
    assert kinds == ["booking.moved", "booking.needs_approval"]
    assert owed()[1][1]["booking"] == ids[1]
    statuses = Booking.objects.order_by("start").values_list("status", flat=True)
    assert list(statuses) == [BookingStatus.CONFIRMED] + [BookingStatus.PENDING] * 2


def test_move_following_by_a_facility_manager_in_an_approval_room_stays_confirmed(
    user_api, manager_api, day
):
    room = RoomFactory(requires_approval=True)
    ids = series_ids(user_api, room, day)
    Booking.objects.update(status=BookingStatus.CONFIRMED)

    response = move_following(manager_api, ids[1], day + timedelta(days=1), "13:00", "14:00")

    assert response.status_code == 200
    statuses = Booking.objects.order_by("start").values_list("status", flat=True)
    assert list(statuses) == [BookingStatus.CONFIRMED] * 3
    assert "booking.needs_approval" not in [kind for kind, _payload in owed()]


def test_cancel_following_tells_the_booker_once_about_the_first_cancelled(user_api, day):
    room = RoomFactory()
    ids = series_ids(user_api, room, day)

    response = user_api.post(f"/api/v1/bookings/{ids[1]}/cancel/", {"scope": "following"})

    assert response.status_code == 200
    assert owed() == [("booking.cancelled", {"status": "cancelled", "booking": ids[1]})]


def test_move_following_onto_closures_lists_each_refused_occurrence(user_api, day):
    room = RoomFactory()
    ids = series_ids(user_api, room, day)
    later = [day + timedelta(days=1), day + timedelta(days=2)]
    for closed in later:
        room.closures.create(
            start=at(closed, "12:00"), end=at(closed, "18:00"), reason="Re-cabling"
        )

    response = move_following(user_api, ids[0], day, "13:00", "14:00")

    assert response.status_code == 409
    listed = "; ".join(
        f"{label(at(closed, '13:00'))}: {room.name} is closed from "
        f"{label(at(closed, '12:00'))} to {label(at(closed, '18:00'))}: Re-cabling."
        for closed in later
    )
    assert response.json()["detail"] == (
        f"2 of 3 occurrences cannot be booked, so none were: {listed}"
    )
    assert owed() == []
