"""A person's booking data, for the account export and erase feature (accounts calls these)."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from booking.models import Booking
from booking.serializers import BookingSerializer
from booking.services import cancel_booking


def export_user_data(user) -> dict:
    """Every booking of `user`, JSON-serialisable."""
    bookings = Booking.objects.filter(user=user).select_related("room__location", "user")
    return {
        "bookings": [
            {
                **BookingSerializer().to_representation(booking),
                "room_name": booking.room.name,
                "location": booking.room.location.name,
            }
            for booking in bookings.order_by("start")
        ]
    }


def erase_user_data(user) -> None:
    """Cancel the person's future bookings; keep past ones for occupancy, without a title."""
    now = timezone.now()
    with transaction.atomic():
        for booking in Booking.objects.live().filter(user=user, end__gt=now):
            # on_behalf: the erase runs for the person, whatever the booking rules say, and
            # sends no mail to an address that is about to go.
            cancel_booking(booking=booking, actor=user, on_behalf=True)
        Booking.objects.filter(user=user).exclude(title="").update(
            title="", public_title=False, sequence=F("sequence") + 1, updated_at=now
        )
