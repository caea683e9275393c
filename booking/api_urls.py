from django.urls import path
from rest_framework.routers import SimpleRouter

from booking import api, report_api

router = SimpleRouter()
router.register("locations", api.LocationViewSet, basename="location")
router.register("rooms", api.RoomViewSet, basename="room")
router.register("closures", api.ClosureViewSet, basename="closure")
router.register("bookings", api.BookingViewSet, basename="booking")

urlpatterns = router.urls

# The covenant report's occupancy (booking.report_api); participation lives in events.
urlpatterns += [
    path("reports/occupancy/", report_api.OccupancyReport.as_view(), name="api-report-occupancy"),
]
