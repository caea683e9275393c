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
