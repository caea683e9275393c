from rest_framework.routers import SimpleRouter

from booking import api

router = SimpleRouter()
router.register("locations", api.LocationViewSet, basename="location")
router.register("rooms", api.RoomViewSet, basename="room")
router.register("closures", api.ClosureViewSet, basename="closure")
router.register("bookings", api.BookingViewSet, basename="booking")

urlpatterns = router.urls
