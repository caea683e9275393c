from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import OutboxMail, User
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


@pytest.mark.parametrize(
    ("room", "message"),
    [
        ("no-such-room", "There is no room “no-such-room”"),
        (12, "Give the room's slug as text"),
    ],
)
def test_create_booking_names_a_room_that_is_not_there(user_api, day, room, message):
    body = {"room": room, "start": iso(day, "10:00"), "end": iso(day, "11:00")}

    response = user_api.post("/api/v1/bookings/", body, format="json")

    assert response.status_code == 400
    assert response.json()["room"][0].startswith(message)
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


@pytest.fixture
def approved_booking(user_api, manager_api, day):
    room = RoomFactory(requires_approval=True, name="Studio A")
    booking_id = post(user_api, room, iso(day, "10:00"), iso(day, "11:00")).json()["id"]
    manager_api.post(f"/api/v1/bookings/{booking_id}/approve/")
    assert Booking.objects.get(pk=booking_id).status == BookingStatus.CONFIRMED
    return booking_id


def test_moving_approved_booking_needs_approval_again_and_tells_managers(
    user_api, approved_booking, facility_manager, day, django_capture_on_commit_callbacks
):
    User.objects.update(language="en")
    # The mail the booking's making and approval owed is not what these tests look at.
    OutboxMail.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = user_api.patch(
            f"/api/v1/bookings/{approved_booking}/",
            {"start": iso(day, "14:00"), "end": iso(day, "15:00")},
            format="json",
        )

    assert response.status_code == 200
    assert response.json()["status"] == "pending"
    to_managers = [m for m in mail.outbox if m.to == [facility_manager.email]]
    assert [m.subject for m in to_managers] == ["Approval needed again: Studio A"]
    assert "/manage/bookings/" in to_managers[0].body
    to_booker = [m for m in mail.outbox if m.to == [user_api.user.email]]
    assert [m.subject for m in to_booker] == ["Booking changed: Studio A"]
    assert "A facility manager will approve or decline the new details" in to_booker[0].body


def test_moving_approved_booking_by_manager_stays_confirmed_control(
    manager_api, approved_booking, day, django_capture_on_commit_callbacks
):
    # The mail the booking's making and approval owed is not what these tests look at.
    OutboxMail.objects.all().delete()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_api.patch(
            f"/api/v1/bookings/{approved_booking}/",
            {"start": iso(day, "14:00"), "end": iso(day, "15:00")},
            format="json",
        )

    assert response.status_code == 200
    assert response.json()["status"] == "confirmed"
    assert not [m for m in mail.outbox if m.subject.startswith("Approval needed")]


def test_moving_booking_in_room_without_approval_stays_confirmed_control(user_api, room, day):
    booking_id = post(user_api, room, iso(day, "10:00"), iso(day, "11:00")).json()["id"]

    response = user_api.patch(
        f"/api/v1/bookings/{booking_id}/",
        {"start": iso(day, "14:00"), "end": iso(day, "15:00")},
        format="json",
    )

    assert response.json()["status"] == "confirmed"


def test_moving_approved_series_needs_approval_again(
    user_api, manager_api, day, django_capture_on_commit_callbacks
):
    room = RoomFactory(requires_approval=True, name="Studio B")
    data = {"room": room.slug, "start": iso(day, "10:00"), "end": iso(day, "11:00")}
    data |= {"title": "Werkcollege", "rrule": "FREQ=WEEKLY;COUNT=3"}
    ids = [
        b["id"] for b in user_api.post("/api/v1/bookings/", data, format="json").json()["results"]
    ]
    for booking_id in ids:
        manager_api.post(f"/api/v1/bookings/{booking_id}/approve/")
    User.objects.update(language="en")
    # The mail the booking's making and approval owed is not what these tests look at.
    OutboxMail.objects.all().delete()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = user_api.patch(
            f"/api/v1/bookings/{ids[0]}/",
            {"start": iso(day, "14:00"), "end": iso(day, "15:00"), "scope": "following"},
            format="json",
        )

    assert response.status_code == 200
    assert (
        list(Booking.objects.filter(pk__in=ids).values_list("status", flat=True))
        == [BookingStatus.PENDING] * 3
    )
    assert [m.subject for m in mail.outbox if m.to == [manager_api.user.email]] == [
        "Approval needed again: Studio B"
    ]


def autumn_room(**rules):
    return RoomFactory(
        location=LocationFactory(hours={6: ("00:00", "23:00")}), min_duration_minutes=10, **rules
    )


@pytest.mark.parametrize("buffer", [0, 10])
@pytest.mark.parametrize("offset", ["+02:00", "+01:00"], ids=["first-pass", "second-pass"])
def test_create_booking_in_repeated_hour_with_offset_is_201(user_api, buffer, offset):
    day = next_clock_change(spring=False)
    room = autumn_room(buffer_minutes=buffer)

    response = post(user_api, room, iso(day, f"02:30{offset}"), iso(day, f"02:50{offset}"))

    assert response.status_code == 201, response.json()
    assert response.json()["start"] == f"{day.isoformat()}T02:30:00{offset}"
    assert response.json()["end"] == f"{day.isoformat()}T02:50:00{offset}"
    booking = Booking.objects.get()
    assert booking.end - booking.start == timedelta(minutes=20)
    assert booking.start - booking.blocked_from == timedelta(minutes=buffer)
    assert booking.blocked_until - booking.end == timedelta(minutes=buffer)


def test_create_booking_both_passes_of_repeated_hour_do_not_clash(user_api):
    # First pass 02:10-02:30 (00:10-00:30 UTC), second pass 02:30-02:50 (01:30-01:50 UTC):
    # an hour apart, so 10-minute buffers leave both free. Read without the fold, the
    # second one's buffer started at 02:20 of the first pass and swallowed the other.
    day = next_clock_change(spring=False)
    room = autumn_room(buffer_minutes=10)

    second = post(user_api, room, iso(day, "02:30+01:00"), iso(day, "02:50+01:00"))
    first = post(user_api, room, iso(day, "02:10+02:00"), iso(day, "02:30+02:00"))

    assert (second.status_code, first.status_code) == (201, 201)


def test_create_booking_end_before_start_across_repeated_hour_is_400(user_api):
    # 02:50 of the first pass comes before 02:10 of the second (the wall clock runs
    # backwards), and 02:50 of the second after 02:10 of the first.
    day = next_clock_change(spring=False)
    room = autumn_room()

    backwards = post(user_api, room, iso(day, "02:50+01:00"), iso(day, "02:10+02:00"))
    forwards = post(user_api, room, iso(day, "02:50+02:00"), iso(day, "02:10+01:00"))

    assert backwards.status_code == 400
    assert backwards.json()["end"] == ["The end must be after the start."]
    assert forwards.status_code == 201, forwards.json()
    booking = Booking.objects.get()
    assert booking.end - booking.start == timedelta(minutes=20)


def test_patch_booking_into_second_pass_with_buffer_keeps_fold(user_api):
    day = next_clock_change(spring=False)
    room = autumn_room(buffer_minutes=15)
    created = post(user_api, room, iso(day, "05:00"), iso(day, "05:30")).json()

    response = user_api.patch(
        f"/api/v1/bookings/{created['id']}/",
        {"start": iso(day, "02:20+01:00"), "end": iso(day, "02:40+01:00")},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["start"] == f"{day.isoformat()}T02:20:00+01:00"
    booking = Booking.objects.get()
    assert booking.start - booking.blocked_from == timedelta(minutes=15)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/bookings/null/approve/"),
        ("post", "/api/v1/bookings/8%20x/decline/"),
        ("get", "/api/v1/bookings/null/"),
        ("post", "/api/v1/bookings/١٢/cancel/"),
        ("get", "/api/v1/bookings/99999999999999999999999/"),
        ("post", "/api/v1/bookings/99999999999999999999999/approve/"),
        ("post", "/api/v1/bookings/" + "9" * 5000 + "/approve/"),
        ("delete", "/api/v1/closures/null/"),
        ("delete", "/api/v1/closures/99999999999999999999999/"),
        ("post", "/api/v1/registrations/null/cancel/"),
        ("post", "/api/v1/registrations/99999999999999999999999/cancel/"),
        ("patch", "/api/v1/locations/a%20b/"),
        ("get", "/api/v1/rooms/a%C2%A0b/availability/"),
        ("get", "/en/my/bookings/99999999999999999999999/"),
        ("post", "/en/manage/bookings/99999999999999999999999/approve/"),
        ("post", "/en/manage/bookings/null/approve/"),
    ],
)
def test_id_that_is_no_id_is_404(manager_api, client, facility_manager, method, path):
    manager_api.raise_request_exception = False
    client.raise_request_exception = False
    client.force_login(facility_manager)
    caller = client if path.startswith("/en/") else manager_api

    response = getattr(caller, method)(path)

    assert response.status_code == 404
