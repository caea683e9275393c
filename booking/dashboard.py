from django.utils import timezone

from accounts.dashboard import Section
from accounts.roles import is_facility_manager
from booking.models import Booking, BookingStatus

MY_UPCOMING_LIMIT = 50


def my_sections(request):
    upcoming = (
        Booking.objects.live()
        .filter(user=request.user, end__gt=timezone.now())
        .select_related("room", "room__location")
        .order_by("start")[:MY_UPCOMING_LIMIT]
    )
    return [Section("booking/my_section.html", {"bookings": list(upcoming)})]


def manage_sections(request):
    if not is_facility_manager(request.user):
        return []
    pending = Booking.objects.filter(status=BookingStatus.PENDING, end__gt=timezone.now()).count()
    return [Section("booking/manage_section.html", {"pending_count": pending})]
