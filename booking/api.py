"""The rooms and bookings API (docs/api.md). Views parse, call a service or selector, respond."""

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.roles import is_facility_manager
from booking import check_in, managers, selectors, services
from booking.errors import BookingError
from booking.models import Booking, Closure, Location, OpeningHours, Room
from booking.serializers import (
    BookingCreateSerializer,
    BookingFilterSerializer,
    BookingSerializer,
    BookingUpdateSerializer,
    CheckInSerializer,
    ClosureResultSerializer,
    ClosureSerializer,
    DeclineSerializer,
    LocationSerializer,
    PhotoSerializer,
    RoomDetailSerializer,
    RoomFilterSerializer,
    RoomSerializer,
    ScopeSerializer,
    SpanSerializer,
)
from booking.services import facilities as facility_services
from booking.timezones import local_isoformat


class IsFacilityManagerForWrites(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return is_facility_manager(request.user)


# The router's default id pattern takes any text, which reached the database as a lookup
# ("null", "8 x", a NUL byte). These are the patterns of Django's own int and slug converters
# (ASCII only: `\d` would also take Arabic-Indic digits); anything else is no such URL.
ID_PATTERN = "[0-9]+"
SLUG_PATTERN = "[-a-zA-Z0-9_]+"


def parse(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class FacilityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    # Locations and rooms are public, as their pages are; only facility managers write.
    permission_classes = [permissions.IsAuthenticatedOrReadOnly, IsFacilityManagerForWrites]
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN


class LocationViewSet(FacilityViewSet):
    serializer_class = LocationSerializer
    queryset = Location.objects.prefetch_related(
        Prefetch("opening_hours", queryset=OpeningHours.objects.order_by("weekday"))
    ).order_by("name")

    def perform_create(self, serializer):
        serializer.instance = facility_services.save_location(**serializer.validated_data)

    def perform_update(self, serializer):
        data = {
            "slug": serializer.instance.slug,
            "name": serializer.instance.name,
            "address": serializer.instance.address,
            **serializer.validated_data,
        }
        serializer.instance = facility_services.save_location(location=serializer.instance, **data)


class RoomViewSet(FacilityViewSet):
    serializer_class = RoomSerializer

    def get_serializer_class(self):
        return RoomDetailSerializer if self.action == "retrieve" else RoomSerializer

    def get_queryset(self):
        rooms = Room.objects.select_related("location").order_by("location__name", "name")
        if self.action != "list":
            return rooms if is_facility_manager(self.request.user) else rooms.filter(is_active=True)
        filters = parse(RoomFilterSerializer, self.request.query_params)
        return selectors.search_rooms(user=self.request.user, **filters)

    @extend_schema(parameters=[RoomFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = facility_services.save_room(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = facility_services.save_room(
            room=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=None, parameters=[SpanSerializer])
    @action(detail=True, methods=["get"])
    def availability(self, request, slug=None):
        room = self.get_object()
        span = parse(SpanSerializer, request.query_params)
        result = selectors.room_availability(room, span["start"], span["end"])
        return Response(
            {
                "room": room.slug,
                "busy": [spans_json(i) for i in result.busy],
                "free": [
                    {**spans_json((start, end)), "seats_left": left}
                    for start, end, left in result.seats_left
                ],
            }
        )

    @extend_schema(request={"multipart/form-data": PhotoSerializer}, responses=RoomSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def photo(self, request, slug=None):
        room = self.get_object()
        upload = parse(PhotoSerializer, request.data)["photo"]
        room = facility_services.set_room_photo(room=room, upload=upload)
        return Response(RoomSerializer(room, context={"request": request}).data)


def spans_json(span) -> dict:
    return {"start": local_isoformat(span[0]), "end": local_isoformat(span[1])}


class ClosureViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ClosureSerializer
    lookup_value_regex = ID_PATTERN
    permission_classes = [permissions.IsAuthenticated]
    queryset = Closure.objects.select_related("location", "room").order_by("start")

    def get_queryset(self):
        if self.action == "destroy":  # only closures in the person's reach
            return managers.closures_in_reach(self.request.user).order_by("start")
        return super().get_queryset()

    @extend_schema(request=ClosureSerializer, responses={201: ClosureResultSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        body = ClosureResultSerializer(serializer.instance, context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)

    def perform_create(self, serializer):
        data = serializer.validated_data
        if not managers.may_close(
            self.request.user, room=data.get("room"), location=data.get("location")
        ):
            raise BookingError(
                _("Only the managers of a room or location may close it."), code="forbidden"
            )
        closure, cancelled = facility_services.save_closure(**data)
        closure.cancelled = cancelled
        serializer.instance = closure

    def perform_destroy(self, instance):
        facility_services.delete_closure(closure=instance)


class BookingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = BookingSerializer
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no user; the model is all it needs to type the id.
            return Booking.objects.none()
        bookings = selectors.visible_bookings(self.request.user).order_by("start", "id")
        if self.action != "list":
            return bookings
        filters = parse(BookingFilterSerializer, self.request.query_params)
        if "room" in filters:
            bookings = bookings.filter(room__slug=filters["room"])
        if "status" in filters:
            bookings = bookings.filter(status=filters["status"])
        if "from" in filters:
            bookings = bookings.filter(end__gt=filters["from"])
        if "to" in filters:
            bookings = bookings.filter(start__lt=filters["to"])
        return bookings

    @extend_schema(parameters=[BookingFilterSerializer])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=BookingCreateSerializer, responses={201: BookingSerializer})
    def create(self, request):
        data = parse(BookingCreateSerializer, request.data, context={"request": request})
        rrule = data.pop("rrule")
        if rrule:
            bookings = services.create_series(user=request.user, rrule=rrule, **data)
            body = BookingSerializer(bookings, many=True).data
            return Response({"series": bookings[0].series_id, "results": body}, status=201)
        booking = services.create_booking(user=request.user, **data)
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BookingUpdateSerializer, responses=BookingSerializer)
    def partial_update(self, request, pk=None):
        booking = self.get_object()
        data = parse(BookingUpdateSerializer, request.data)
        start, end = data.get("start", booking.start), data.get("end", booking.end)
        if data["scope"] == "following":
            moved = services.move_following(
                booking=booking, actor=request.user, start=start, end=end, title=data.get("title")
            )
            return Response(BookingSerializer(moved[0]).data)
        booking = services.move_booking(
            booking=booking, actor=request.user, start=start, end=end, title=data.get("title")
        )
        return Response(BookingSerializer(booking).data)

    @extend_schema(request=ScopeSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        booking = self.get_object()
        scope = parse(ScopeSerializer, request.data)["scope"]
        if scope == "following":
            cancelled = services.cancel_following(booking=booking, actor=request.user)
            return Response(BookingSerializer(cancelled[0]).data)
        booking = services.cancel_booking(booking=booking, actor=request.user)
        return Response(BookingSerializer(booking).data)

    @extend_schema(request=None, responses=CheckInSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        booking = check_in.check_in(booking=self.get_object(), actor=request.user)
        return Response(CheckInSerializer(booking).data)

    @extend_schema(request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        booking = services.approve_booking(booking=self.decidable(), actor=request.user)
        return Response(BookingSerializer(booking).data)

    @extend_schema(request=DeclineSerializer, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        reason = parse(DeclineSerializer, request.data).get("reason", "")
        booking = services.decline_booking(
            booking=self.decidable(), actor=request.user, reason=reason
        )
        return Response(BookingSerializer(booking).data)

    def decidable(self):
        # The service answers a 403 that says why, not a 404: the person may well see the
        # booking (their own, or one of a room they manage).
        return self.get_object()
