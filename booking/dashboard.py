from django.db.models import Count, Q
from django.utils import timezone

from accounts.dashboard import Section
from accounts.roles import is_facility_manager
from booking import check_in, managers
from booking.models import Booking, BookingStatus

MY_UPCOMING_LIMIT = 50


def my_sections(request):
    upcoming = (
        Booking.objects.live()
        .filter(user=request.user, end__gt=timezone.now())
        .select_related("room", "room__location")
        .order_by("start")[:MY_UPCOMING_LIMIT]
    )
    bookings = list(upcoming)
    now = timezone.now()
    for booking in bookings:
        # Today's check-in right on the overview: one tap from the phone's home screen.
        booking.can_check_in = check_in.can_check_in(booking, now)
    return [Section("booking/my_section.html", {"bookings": bookings})]


def manage_sections(request):
    """Facility managers get every room's queue; a room's managers (booking.managers) get
    theirs, with the rooms they manage named."""
    user = request.user
    if is_facility_manager(user):
        pending = Booking.objects.filter(status=BookingStatus.PENDING, end__gt=timezone.now())
        context = {"pending_count": pending.count(), "is_facility_manager": True, "rooms": []}
        return [Section("booking/manage_section.html", context)]
    rooms = list(
        managers.managed_rooms(user)
        .select_related("location")
        .annotate(
            pending_count=Count(
                "bookings",
                filter=Q(bookings__status=BookingStatus.PENDING, bookings__end__gt=timezone.now()),
            )
        )
        .order_by("location__name", "name")
    )
    if not rooms:
        return []
    context = {
        "pending_count": sum(room.pending_count for room in rooms),
        "is_facility_manager": False,
        "rooms": rooms,
    }
    return [Section("booking/manage_section.html", context)]
