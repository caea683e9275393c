from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import Booking, BookingStatus, Closure
from booking.timezones import LOCAL_TZ
from tests.booking.conftest import at, next_clock_change
from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def post(client, room, start, end, **extra):
    data = {"room": room.slug, "start": start, "end": end, "title": "Montage", **extra}
    return client.post("/api/v1/bookings/", data, format="json")


def iso(day, hhmm):
    return f"{day.isoformat()}T{hhmm}"


def test_create_booking_returns_201_confirmed(user_api, room, day):
    response = post(user_api, room, iso(day, "10:00"), iso(day, "11:00"))

    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"
    assert response.json()["start"] == at(day, "10:00").isoformat()


def test_create_booking_anonymous_is_401(api_client, room, day):
    assert post(api_client, room, iso(day, "10:00"), iso(day, "11:00")).status_code == 401
    assert Booking.objects.count() == 0


def test_create_booking_pending_when_room_needs_approval(user_api, day):
    room = RoomFactory(requires_approval=True)

    response = post(user_api, room, iso(day, "10:00"), iso(day, "11:00"))

    assert (response.status_code, response.json()["status"]) == (201, "pending")


def test_create_booking_overlap_is_409_with_conflicts(user_api, room, day):
    post(user_api, room, iso(day, "10:00"), iso(day, "11:00"))

    response = post(user_api, room, iso(day, "10:30"), iso(day, "12:00"))

    assert response.status_code == 409
    assert response.json()["conflicts"] == [
        {"start": at(day, "10:00").isoformat(), "end": at(day, "11:00").isoformat()}
    ]
    assert "already booked" in response.json()["detail"]
    assert Booking.objects.count() == 1


def test_create_booking_pending_holds_slot(user_api, day):
    room = RoomFactory(requires_approval=True)
    post(user_api, room, iso(day, "10:00"), iso(day, "11:00"))

    response = post(user_api, room, iso(day, "10:00"), iso(day, "11:00"))

    assert response.status_code == 409
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("11:00", "10:00", "end"),
        ("06:00", "08:00", "start"),
        ("22:30", "23:30", "start"),
        ("10:00", "10:15", "end"),
        ("08:00", "17:00", "end"),
    ],
)
def test_create_booking_rule_broken_is_400_on_field(user_api, day, start, end, field):
    room = RoomFactory(min_duration_minutes=30, max_duration_minutes=480)

    response = post(user_api, room, iso(day, start), iso(day, end))

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Booking.objects.count() == 0


def test_create_booking_in_closure_is_409(user_api, room, day):
    Closure.objects.create(
        location=room.location, start=at(day, "00:00"), end=at(day, "23:59"), reason="Pinksteren"
    )

    response = post(user_api, room, iso(day, "10:00"), iso(day, "11:00"))

    assert response.status_code == 409
    assert "Pinksteren" in response.json()["detail"]
    assert response.json()["conflicts"][0]["start"] == at(day, "00:00").isoformat()


def test_create_booking_too_short_notice_is_400(user_api):
    room = RoomFactory(min_notice_minutes=600, location=LocationFactory(hours={}))
    for weekday in range(7):
        room.location.opening_hours.create(weekday=weekday, opens="00:00", closes="23:59")
    start = (
        (timezone.now() + timedelta(minutes=60))
        .astimezone(LOCAL_TZ)
        .replace(second=0, microsecond=0)
    )
    if start.date() != (start + timedelta(minutes=30)).date():
        start += timedelta(hours=1)

    response = post(user_api, room, start.isoformat(), (start + timedelta(minutes=30)).isoformat())

    assert response.status_code == 400
    assert "600 minutes" in response.json()["start"][0]
    assert Booking.objects.count() == 0


def test_create_booking_in_past_is_400(user_api, room):
    day = timezone.localdate() - timedelta(days=2)

    response = post(user_api, room, iso(day, "10:00"), iso(day, "11:00"))

    assert response.status_code == 400
    assert response.json() == {"start": ["The start is in the past."]}
    assert Booking.objects.count() == 0


def test_create_booking_too_far_ahead_is_400(user_api):
    room = RoomFactory(max_days_ahead=14)
    day = timezone.localdate() + timedelta(days=20)

    response = post(user_api, room, iso(day, "10:00"), iso(day, "11:00"))

    assert response.status_code == 400
    assert "14 days" in response.json()["start"][0]
    assert Booking.objects.count() == 0


def test_create_booking_more_attendees_than_capacity_is_400(user_api, day):
    room = RoomFactory(capacity=4)

    response = post(user_api, room, iso(day, "10:00"), iso(day, "11:00"), attendees=5)

    assert response.status_code == 400
    assert list(response.json()) == ["attendees"]
    assert Booking.objects.count() == 0


def test_create_booking_wrong_affiliation_is_403(api_client, day):
    room = RoomFactory(bookable_by=["hu"])
    api_client.force_authenticate(UserFactory(affiliation="public"))

    response = post(api_client, room, iso(day, "10:00"), iso(day, "11:00"))

    assert response.status_code == 403
    assert Booking.objects.count() == 0


def test_create_booking_unverified_email_is_403(api_client, unverified_user, room, day):
    api_client.force_authenticate(unverified_user)

    response = post(api_client, room, iso(day, "10:00"), iso(day, "11:00"))

    assert response.status_code == 403
    assert "Verify your email address" in response.json()["detail"]
    assert Booking.objects.count() == 0


def test_create_booking_inactive_room_is_400(user_api, day):
    room = RoomFactory(is_active=False)

    response = post(user_api, room, iso(day, "10:00"), iso(day, "11:00"))

    assert response.status_code == 400
    assert list(response.json()) == ["room"]
    assert Booking.objects.count() == 0


def test_create_booking_naive_time_in_spring_gap_is_400(user_api):
    day = next_clock_change(spring=True)
    room = RoomFactory(location=LocationFactory(hours={6: ("00:00", "23:00")}))

    response = post(user_api, room, iso(day, "02:30"), iso(day, "04:00"))

    assert response.status_code == 400
    assert "does not exist" in response.json()["start"][0]
    assert Booking.objects.count() == 0


def test_create_booking_naive_time_in_autumn_repeat_is_400(user_api):
    day = next_clock_change(spring=False)
    room = RoomFactory(location=LocationFactory(hours={6: ("00:00", "23:00")}))

    response = post(user_api, room, iso(day, "01:00"), iso(day, "02:30"))

    assert response.status_code == 400
    assert "happens twice" in response.json()["end"][0]
    assert Booking.objects.count() == 0


def test_create_booking_repeat_time_with_offset_is_taken(user_api):
    day = next_clock_change(spring=False)
    room = RoomFactory(location=LocationFactory(hours={6: ("00:00", "23:00")}))

    response = post(user_api, room, iso(day, "02:30+01:00"), iso(day, "04:00"))

    assert response.status_code == 201
    assert response.json()["start"] == f"{day.isoformat()}T02:30:00+01:00"


def test_create_booking_across_autumn_change_keeps_real_length(user_api):
    # 01:30-03:30 on the wall is three real hours on the day the clocks go back.
    day = next_clock_change(spring=False)
    room = RoomFactory(
        location=LocationFactory(hours={6: ("00:00", "23:00")}), max_duration_minutes=150
    )

    response = post(user_api, room, iso(day, "01:30"), iso(day, "03:30"))

    assert response.status_code == 400
    assert "at most 150 minutes" in response.json()["end"][0]
    assert Booking.objects.count() == 0


def test_get_booking_of_someone_else_is_404(user_api, room, day):
    other = UserFactory()
    booking_id = post(user_api, room, iso(day, "10:00"), iso(day, "11:00")).json()["id"]
    user_api.force_authenticate(other)

    assert user_api.get(f"/api/v1/bookings/{booking_id}/").status_code == 404
    assert user_api.post(f"/api/v1/bookings/{booking_id}/cancel/").status_code == 404
    assert user_api.get("/api/v1/bookings/").json()["count"] == 0
    assert Booking.objects.get(pk=booking_id).status == BookingStatus.CONFIRMED


def test_list_bookings_staff_sees_all_with_filters(user_api, manager_api, day):
    first, second = RoomFactory(), RoomFactory()
    post(user_api, first, iso(day, "10:00"), iso(day, "11:00"))
    post(user_api, second, iso(day, "10:00"), iso(day, "11:00"))

    everything = manager_api.get("/api/v1/bookings/").json()
    filtered = manager_api.get(f"/api/v1/bookings/?room={second.slug}&status=confirmed").json()
    later = manager_api.get(f"/api/v1/bookings/?from={iso(day, '11:00')}").json()

    assert everything["count"] == 2
    assert [b["room"] for b in filtered["results"]] == [second.slug]
    assert later["count"] == 0


def test_patch_booking_moves_and_raises_sequence(user_api, room, day):
    booking_id = post(user_api, room, iso(day, "10:00"), iso(day, "11:00")).json()["id"]

    response = user_api.patch(
        f"/api/v1/bookings/{booking_id}/",
        {"start": iso(day, "14:00"), "end": iso(day, "15:30"), "title": "Edit 2"},
        format="json",
    )

    assert response.status_code == 200
    assert (response.json()["start"], response.json()["sequence"]) == (
        at(day, "14:00").isoformat(),
        1,
    )
    assert response.json()["title"] == "Edit 2"


def test_patch_booking_onto_other_booking_is_409_and_changes_nothing(user_api, room, day):
    booking_id = post(user_api, room, iso(day, "10:00"), iso(day, "11:00")).json()["id"]
    post(user_api, room, iso(day, "12:00"), iso(day, "13:00"))

    response = user_api.patch(
        f"/api/v1/bookings/{booking_id}/",
        {"start": iso(day, "12:30"), "end": iso(day, "13:30")},
        format="json",
    )

    assert response.status_code == 409
    assert Booking.objects.get(pk=booking_id).start == at(day, "10:00")


def test_cancel_booking_frees_slot_at_once(user_api, room, day):
    booking_id = post(user_api, room, iso(day, "10:00"), iso(day, "11:00")).json()["id"]

    cancelled = user_api.post(f"/api/v1/bookings/{booking_id}/cancel/")
    again = post(user_api, room, iso(day, "10:00"), iso(day, "11:00"))

    assert cancelled.json()["status"] == "cancelled"
    assert again.status_code == 201


def test_approve_and_decline_by_facility_manager(user_api, manager_api, day):
    room = RoomFactory(requires_approval=True)
    first = post(user_api, room, iso(day, "10:00"), iso(day, "11:00")).json()["id"]
    second = post(user_api, room, iso(day, "12:00"), iso(day, "13:00")).json()["id"]

    approved = manager_api.post(f"/api/v1/bookings/{first}/approve/")
    declined = manager_api.post(f"/api/v1/bookings/{second}/decline/")
    retaken = post(user_api, room, iso(day, "12:00"), iso(day, "13:00"))

    assert (approved.json()["status"], declined.json()["status"]) == ("confirmed", "declined")
    assert retaken.status_code == 201


def test_approve_by_booker_is_403(user_api, day):
    room = RoomFactory(requires_approval=True)
    booking_id = post(user_api, room, iso(day, "10:00"), iso(day, "11:00")).json()["id"]

    response = user_api.post(f"/api/v1/bookings/{booking_id}/approve/")

    assert response.status_code == 403
    assert Booking.objects.get(pk=booking_id).status == BookingStatus.PENDING


def test_approve_confirmed_booking_is_400(user_api, manager_api, room, day):
    booking_id = post(user_api, room, iso(day, "10:00"), iso(day, "11:00")).json()["id"]

    assert manager_api.post(f"/api/v1/bookings/{booking_id}/approve/").status_code == 400

    assert Booking.objects.get(pk=booking_id).sequence == 0
