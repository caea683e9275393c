"""A person's booking data, for the account export and erase feature (accounts calls these)."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from booking.models import Booking
from booking.services import cancel_booking
from booking.timezones import local_isoformat


def export_user_data(user) -> dict:
    """Every booking of `user`, JSON-serialisable."""
    bookings = Booking.objects.filter(user=user).select_related("room", "room__location")
    return {
        "bookings": [
            {
                "id": booking.pk,
                "room": booking.room.slug,
                "room_name": booking.room.name,
                "location": booking.room.location.name,
                "title": booking.title,
                "public_title": booking.public_title,
                "attendees": booking.attendees,
                "start": local_isoformat(booking.start),
                "end": local_isoformat(booking.end),
                "status": booking.status,
                "series": booking.series_id,
                "created_at": local_isoformat(booking.created_at),
                "updated_at": local_isoformat(booking.updated_at),
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
