"""A closure over live bookings (issue 18): the manager is warned and decides; cancelled
bookers are told why; sessions of events stay for their organisers to move."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils.html import escape
from rest_framework.test import APIClient

from accounts.models import OutboxMail
from booking.models import Booking, BookingStatus, Closure
from tests.booking.conftest import at
from tests.booking.factories import RoomFactory
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_booking(room, start, *, user=None, hours=1):
    end = start + timedelta(hours=hours)
    return Booking.objects.create(
        room=room,
        user=user or UserFactory(language="en"),
        title="Opname",
        start=start,
        end=end,
        blocked_from=start,
        blocked_until=end,
        status=BookingStatus.CONFIRMED,
    )


@pytest.fixture
def studio():
    return RoomFactory(name="Podcaststudio")


def close(api, target, day, **extra):
    body = {
        "start": at(day, "08:00").isoformat(),
        "end": at(day, "18:00").isoformat(),
        "reason": "Lekkage",
        **target,
        **extra,
    }
    return api.post("/api/v1/closures/", body, format="json")


def test_a_closure_lists_the_bookings_in_its_way_and_keeps_them_unless_told(
    manager_api, studio, day
):
    booking = make_booking(studio, at(day, "10:00"))

    response = close(manager_api, {"room": studio.slug}, day)

    assert response.status_code == 201
    assert response.json()["bookings_in_the_way"] == [booking.pk]
    assert response.json()["cancelled_bookings"] == []
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert mail.outbox == []


def test_cancel_bookings_cancels_them_and_tells_each_booker_why(
    manager_api, studio, day, django_capture_on_commit_callbacks
):
    booking = make_booking(studio, at(day, "10:00"))
    other_room = make_booking(RoomFactory(location=studio.location), at(day, "10:00"))
    outside = make_booking(studio, at(day, "19:00"))

    with django_capture_on_commit_callbacks(execute=True):
        response = close(manager_api, {"room": studio.slug}, day, cancel_bookings=True)

    assert response.status_code == 201
    assert response.json()["cancelled_bookings"] == [booking.pk]
    assert response.json()["bookings_in_the_way"] == []
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses[booking.pk] == BookingStatus.CANCELLED
    assert statuses[other_room.pk] == statuses[outside.pk] == BookingStatus.CONFIRMED
    [told] = mail.outbox
    assert told.to == [booking.user.email]
    assert told.subject == "Booking cancelled: Podcaststudio"
    assert "because the room is closed then: Lekkage" in told.body


def test_a_location_closure_cancels_in_all_its_rooms_but_leaves_sessions(manager_api, studio, day):
    neighbour = RoomFactory(location=studio.location)
    bookings = [make_booking(studio, at(day, "10:00")), make_booking(neighbour, at(day, "12:00"))]
    held_for_session = make_booking(neighbour, at(day, "14:00"))
    SessionFactory(
        room=neighbour,
        booking=held_for_session,
        start=held_for_session.start,
        end=held_for_session.end,
    )

    response = close(manager_api, {"location": studio.location.slug}, day, cancel_bookings=True)

    assert response.status_code == 201
    assert sorted(response.json()["cancelled_bookings"]) == sorted(b.pk for b in bookings)
    assert response.json()["bookings_in_the_way"] == [held_for_session.pk]
    held_for_session.refresh_from_db()
    assert held_for_session.status == BookingStatus.CONFIRMED


def test_the_page_warns_first_and_the_manager_decides(client, facility_manager, studio, day):
    booking = make_booking(studio, at(day, "10:00"))
    client.force_login(facility_manager)
    form = {
        "room": studio.pk,
        "start": f"{day}T08:00",
        "end": f"{day}T18:00",
        "reason": "Lekkage",
    }

    warned = client.post("/en/manage/bookings/closures/", form)

    assert warned.status_code == 200
    assert "1 booking is in the way" in warned.text
    # Escaped as the page shows it: a generated name may hold an apostrophe.
    assert escape(booking.user.name) in warned.text
    assert not Closure.objects.exists()  # nothing saved before the manager decides

    done = client.post("/en/manage/bookings/closures/", {**form, "bookings": "cancel"}, follow=True)

    assert Closure.objects.count() == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert "1 booking is cancelled and its booker gets a mail" in done.text


def test_keeping_the_bookings_saves_the_closure_and_says_what_stays(
    client, facility_manager, studio, day
):
    booking = make_booking(studio, at(day, "10:00"))
    client.force_login(facility_manager)
    form = {"room": studio.pk, "start": f"{day}T08:00", "end": f"{day}T18:00", "reason": "x"}

    done = client.post("/en/manage/bookings/closures/", {**form, "bookings": "keep"}, follow=True)

    assert Closure.objects.count() == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert "1 booking stays during it: settle it with its booker" in done.text


def test_a_closure_with_nothing_in_its_way_is_saved_at_once_control(
    client, facility_manager, studio, day
):
    client.force_login(facility_manager)
    form = {"room": studio.pk, "start": f"{day}T08:00", "end": f"{day}T18:00", "reason": "x"}

    response = client.post("/en/manage/bookings/closures/", form)

    assert response.status_code == 302
    assert Closure.objects.count() == 1


def test_a_room_manager_may_cancel_bookings_in_their_own_room_only(studio, day):
    manager = UserFactory()
    studio.managers.add(manager)
    api = APIClient()
    api.force_authenticate(manager)
    booking = make_booking(studio, at(day, "10:00"))
    elsewhere = make_booking(RoomFactory(), at(day, "10:00"))

    own = close(api, {"room": studio.slug}, day, cancel_bookings=True)
    other = close(api, {"room": elsewhere.room.slug}, day, cancel_bookings=True)

    assert own.status_code == 201
    assert other.status_code == 403
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED
    assert Booking.objects.get(pk=elsewhere.pk).status == BookingStatus.CONFIRMED


def test_cancel_bookings_owes_each_mail_in_the_language_of_its_booker_then(
    manager_api, studio, day
):
    booking = make_booking(studio, at(day, "10:00"), user=UserFactory(language="en"))

    close(manager_api, {"room": studio.slug}, day, cancel_bookings=True)

    # The booker read with the booking: the mail speaks the language it was owed in, even
    # if the booker changes it before it is sent.
    owed = OutboxMail.objects.values_list("kind", "payload", "language")
    assert list(owed) == [
        (
            "booking.cancelled",
            {"booking": booking.pk, "status": "cancelled", "closed_because": "Lekkage"},
            "en",
        )
    ]
