import pytest

from booking.models import BookingStatus
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
