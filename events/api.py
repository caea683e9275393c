from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import is_event_organiser
from booking.timezones import StrictDateTimeField
from events import selectors, services
from events.errors import RegistrationError
from events.images import validate_event_image
from events.models import Event, EventKind, Programme, Registration, Session, Theme
from events.rooms import session_specs_from
from events.serializers import (
    AttendanceWriteSerializer,
    EventSerializer,
    EventWriteSerializer,
    OrganiserRegistrationSerializer,
    ProgrammeSerializer,
    RegisterResponseSerializer,
    RegistrationSerializer,
)


class ReadOrOrganiser(BasePermission):
    """Anyone may read the public programme; only event organisers write."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return is_event_organiser(request.user)


class IsOrganiser(BasePermission):
    def has_permission(self, request, view):
        return is_event_organiser(request.user)


class ProgrammeList(generics.ListCreateAPIView):
    serializer_class = ProgrammeSerializer
    permission_classes = [ReadOrOrganiser]
    queryset = Programme.objects.order_by("name", "id")

    def perform_create(self, serializer):
        serializer.instance = services.create_programme(
            actor=self.request.user, **serializer.validated_data
        )


class EventFilterSerializer(serializers.Serializer):
    programme = serializers.CharField(required=False)
    kind = serializers.ChoiceField(choices=EventKind.choices, required=False)
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)
    start_from = StrictDateTimeField(required=False)
    start_to = StrictDateTimeField(required=False)

    def to_internal_value(self, data):
        data = {key: data[key] for key in data}
        for api_name, name in (("from", "start_from"), ("to", "start_to")):
            if api_name in data:
                data[name] = data.pop(api_name)
        return super().to_internal_value(data)


@extend_schema(
    parameters=[
        OpenApiParameter("programme", str),
        OpenApiParameter("kind", str, enum=EventKind.values),
        OpenApiParameter("theme", str, enum=Theme.values),
        OpenApiParameter("from", str, description="sessions ending after this time"),
        OpenApiParameter("to", str, description="sessions starting before this time"),
    ]
)
class EventList(generics.ListCreateAPIView):
    permission_classes = [ReadOrOrganiser]

    def get_serializer_class(self):
        return EventWriteSerializer if self.request.method == "POST" else EventSerializer

    def get_queryset(self):
        filters = EventFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.filter_events(selectors.events_queryset(), **filters.validated_data)

    @extend_schema(request=EventWriteSerializer, responses={201: EventSerializer})
    def post(self, request):
        serializer = EventWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        sessions = session_specs_from(data.pop("sessions", []))
        event = services.create_event(actor=request.user, sessions=sessions, **data)
        event = selectors.events_queryset().get(pk=event.pk)
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)


class EventDetail(APIView):
    permission_classes = [ReadOrOrganiser]

    @extend_schema(responses={200: EventSerializer})
    def get(self, request, slug):
        event = get_object_or_404(selectors.events_queryset(), slug=slug)
        return Response(EventSerializer(event, context={"request": request}).data)

    @extend_schema(request=EventWriteSerializer, responses={200: EventSerializer})
    def patch(self, request, slug):
        event = get_object_or_404(Event, slug=slug)
        serializer = EventWriteSerializer(event, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "slug" in data and data.pop("slug") != event.slug:
            raise RegistrationError(_("The slug of an event cannot change."), field="slug")
        sessions = data.pop("sessions", None)
        specs = session_specs_from(sessions) if sessions is not None else None
        services.update_event(actor=request.user, event=event, sessions=specs, **data)
        event = selectors.events_queryset().get(pk=event.pk)
        return Response(EventSerializer(event, context={"request": request}).data)


class ImageUploadSerializer(serializers.Serializer):
    image = serializers.FileField()

    def validate_image(self, upload):
        # DRF reports the ValidationError of the room-photo checks as {"image": [...]}.
        return validate_event_image(upload)


class EventImage(APIView):
    """Event organisers upload an event's image (multipart), checked like room photos."""

    permission_classes = [IsOrganiser]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImageUploadSerializer, responses={200: EventSerializer})
    def post(self, request, slug):
        event = get_object_or_404(Event, slug=slug)
        upload = ImageUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        image = upload.validated_data["image"]
        services.update_event(actor=request.user, event=event, image=image)
        event = selectors.events_queryset().get(pk=event.pk)
        return Response(EventSerializer(event, context={"request": request}).data)


class Register(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={201: RegisterResponseSerializer})
    def post(self, request, slug):
        try:
            registration = services.register_for_event(user=request.user, slug=slug)
        except Event.DoesNotExist:
            raise Http404 from None
        return Response(
            {
                "id": registration.pk,
                "status": registration.status,
                "waitlist_position": registration.waitlist_position,
            },
            status=status.HTTP_201_CREATED,
        )


class MyRegistrations(generics.ListAPIView):
    serializer_class = RegistrationSerializer

    def get_queryset(self):
        return selectors.registrations_of_user(self.request.user)


class CancelRegistration(APIView):
    @extend_schema(request=None, responses={200: RegistrationSerializer})
    def post(self, request, pk):
        registration = get_object_or_404(Registration.objects.select_related("event"), pk=pk)
        if registration.user_id != request.user.pk and not is_event_organiser(request.user):
            # Someone else's registration does not exist, as far as this person knows.
            raise RegistrationError(_("Registration not found."), code="not_found")
        services.cancel_registration(registration=registration, actor=request.user)
        registration = selectors.registrations_of_user(registration.user).get(pk=pk)
        return Response(RegistrationSerializer(registration).data)


class EventRegistrations(generics.ListAPIView):
    """Event organisers: everyone registered, with status, waitlist place and attendance."""

    serializer_class = OrganiserRegistrationSerializer
    permission_classes = [IsOrganiser]

    def get_queryset(self):
        event = get_object_or_404(Event, slug=self.kwargs["slug"])
        return selectors.registrations_of_event(event)


class Attendance(APIView):
    """Event organisers: check a registration in at a session (`present`) or undo it."""

    permission_classes = [IsOrganiser]

    @extend_schema(
        request=AttendanceWriteSerializer, responses={200: OrganiserRegistrationSerializer}
    )
    def post(self, request, pk):
        registration = get_object_or_404(Registration, pk=pk)
        serializer = AttendanceWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = Session.objects.filter(pk=serializer.validated_data["session"]).first()
        if session is None:
            raise RegistrationError(_("No such session."), field="session")
        services.set_attendance(
            actor=request.user,
            registration=registration,
            session=session,
            present=serializer.validated_data["present"],
        )
        registration = selectors.registrations_of_event(registration.event).get(pk=pk)
        return Response(OrganiserRegistrationSerializer(registration).data)
