import pytest

from booking.models import BookingStatus, Closure, Location
from booking.services import create_booking
from tests.booking.conftest import at
from tests.booking.factories import RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["location", "room", "closure", "booking", "series"])
def test_admin_changelists_load(admin_client, model):
    assert admin_client.get(f"/en/admin/booking/{model}/").status_code == 200


def test_admin_booking_filters(admin_client, user, room, day):
    create_booking(user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="A")

    response = admin_client.get(
        "/en/admin/booking/booking/", {"status": "confirmed", "when": "upcoming"}
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_admin_approve_action_goes_through_service(admin_client, user, day):
    room = RoomFactory(requires_approval=True)
    booking = create_booking(
        user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="A"
    )

    admin_client.post(
        "/en/admin/booking/booking/",
        {"action": "approve", "_selected_action": [booking.pk]},
    )

    booking.refresh_from_db()
    assert (booking.status, booking.sequence) == (BookingStatus.CONFIRMED, 1)


def test_admin_room_photo_goes_through_checks(admin_client, room):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.booking.test_photos import image_bytes, png_claiming

    data = {
        "slug": room.slug,
        "name": room.name,
        "location": room.location.pk,
        "kind": room.kind,
        "capacity": room.capacity,
        "amenities": "[]",
        "bookable_by": '["hu"]',
        "min_duration_minutes": 30,
        "max_duration_minutes": 480,
        "max_days_ahead": 90,
        "min_notice_minutes": 0,
        "buffer_minutes": 0,
        "booking_mode": "room",
        "release_after_minutes": 15,
        "is_active": "on",
    }
    url = f"/en/admin/booking/room/{room.pk}/change/"

    refused = admin_client.post(
        url, {**data, "new_photo": SimpleUploadedFile("b.png", png_claiming(9000, 9000))}
    )
    accepted = admin_client.post(
        url, {**data, "new_photo": SimpleUploadedFile("p.jpg", image_bytes())}
    )

    room.refresh_from_db()
    assert "at most 25 megapixels" in refused.content.decode()
    assert accepted.status_code == 302
    assert room.photo.name.endswith(".jpg")
    assert room.thumbnail


def _location_form(**overrides) -> dict:
    data = {
        "slug": "lab-centrum",
        "name": "Lab in het Centrum",
        "address": "Kerkstraat 1, Hilversum",
        "opening_hours-TOTAL_FORMS": "2",
        "opening_hours-INITIAL_FORMS": "0",
        "opening_hours-MIN_NUM_FORMS": "0",
        "opening_hours-MAX_NUM_FORMS": "1000",
        "opening_hours-0-weekday": "0",
        "opening_hours-0-opens": "08:00",
        "opening_hours-0-closes": "18:00",
        "opening_hours-1-weekday": "1",
        "opening_hours-1-opens": "09:00",
        "opening_hours-1-closes": "17:00",
    }
    data.update(overrides)
    return data


def test_admin_location_with_hours_is_saved_through_the_service(admin_client):
    response = admin_client.post("/en/admin/booking/location/add/", _location_form())

    assert response.status_code == 302
    location = Location.objects.get(slug="lab-centrum")
    hours = [
        (h.weekday, f"{h.opens:%H:%M}", f"{h.closes:%H:%M}") for h in location.opening_hours.all()
    ]
    assert hours == [(0, "08:00", "18:00"), (1, "09:00", "17:00")]


def test_admin_location_hours_closing_before_opening_get_the_service_message(admin_client):
    response = admin_client.post(
        "/en/admin/booking/location/add/", _location_form(**{"opening_hours-1-closes": "08:00"})
    )

    assert response.status_code == 200
    assert "Each day must close after it opens." in response.content.decode()
    assert not Location.objects.exists()


def test_admin_closure_add_change_delete_go_through_the_services(admin_client, room, day):
    add = admin_client.post(
        "/en/admin/booking/closure/add/",
        {
            "room": room.pk,
            "start_0": day.isoformat(),
            "start_1": "08:00",
            "end_0": day.isoformat(),
            "end_1": "12:00",
            "reason": "Onderhoud",
        },
    )
    closure = Closure.objects.get()
    change = admin_client.post(
        f"/en/admin/booking/closure/{closure.pk}/change/",
        {
            "room": room.pk,
            "start_0": day.isoformat(),
            "start_1": "09:00",
            "end_0": day.isoformat(),
            "end_1": "12:00",
            "reason": "Schilderwerk",
        },
    )
    closure.refresh_from_db()
    changed = (closure.start, closure.reason)
    delete = admin_client.post(f"/en/admin/booking/closure/{closure.pk}/delete/", {"post": "yes"})

    assert (add.status_code, change.status_code, delete.status_code) == (302, 302, 302)
    assert changed == (at(day, "09:00"), "Schilderwerk")
    assert not Closure.objects.exists()
