from django.contrib.auth import get_user_model
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from booking.timezones import StrictDateTimeField
from events import selectors, services
from events.errors import RegistrationError
from events.images import validate_event_image
from events.models import Event, EventKind, Programme, Registration, Session, Theme
from events.ownership import may_create_events, may_manage_event
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
    """Anyone may read the public programme; event organisers create."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return may_create_events(request.user)


class IsOrganiser(BasePermission):
    """Event organisers and administrators; which programme or event they may change is the
    services' check (events.ownership)."""

    def has_permission(self, request, view):
        return may_create_events(request.user)


class ReadOrSignedIn(BasePermission):
    """Anyone may read; who may change an event is its owners' business (`managed_event`)."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or request.user.is_authenticated


def managed_event(request, slug: str) -> Event:
    """The event, if the person manages it: 404 when there is none, else 403 (events.ownership)."""
    event = get_object_or_404(Event, slug=slug)
    if not may_manage_event(request.user, event):
        raise PermissionDenied(_("Only the owners of this event or its programme may do this."))
    return event


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
        visible = selectors.visible_events(self.request.user)
        return selectors.filter_events(visible, **filters.validated_data)

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
    permission_classes = [ReadOrSignedIn]

    @extend_schema(responses={200: EventSerializer})
    def get(self, request, slug):
        event = get_object_or_404(selectors.visible_events(request.user), slug=slug)
        return Response(EventSerializer(event, context={"request": request}).data)

    @extend_schema(request=EventWriteSerializer, responses={200: EventSerializer})
    def patch(self, request, slug):
        event = managed_event(request, slug)
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
    """Who manages the event uploads its image (multipart), checked like room photos."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImageUploadSerializer, responses={200: EventSerializer})
    def post(self, request, slug):
        event = managed_event(request, slug)
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
        if registration.user_id != request.user.pk and not may_manage_event(
            request.user, registration.event
        ):
            # Someone else's registration does not exist, as far as this person knows.
            raise RegistrationError(_("Registration not found."), code="not_found")
        services.cancel_registration(registration=registration, actor=request.user)
        registration = selectors.registrations_of_user(registration.user).get(pk=pk)
        return Response(RegistrationSerializer(registration).data)


class EventRegistrations(generics.ListAPIView):
    """Who manages the event: everyone registered, with status, waitlist place and attendance."""

    serializer_class = OrganiserRegistrationSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.registrations_of_event(managed_event(self.request, self.kwargs["slug"]))


class Attendance(APIView):
    """Who manages the event: check a registration in at a session (`present`) or undo it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=AttendanceWriteSerializer, responses={200: OrganiserRegistrationSerializer}
    )
    def post(self, request, pk):
        registration = get_object_or_404(Registration.objects.select_related("event"), pk=pk)
        if not may_manage_event(request.user, registration.event):
            raise PermissionDenied(_("Only the owners of this event or its programme may do this."))
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


class OwnerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    name = serializers.CharField(read_only=True)


class OwnerInvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    created_at = StrictDateTimeField(read_only=True)


class OwnersSerializer(serializers.Serializer):
    owners = OwnerSerializer(many=True)
    invitations = OwnerInvitationSerializer(many=True)


class AddOwnerSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)


class AddOwnerResponseSerializer(serializers.Serializer):
    email = serializers.EmailField()
    status = serializers.ChoiceField(choices=["owner", "invited"])


class EventOwners(APIView):
    """Who manages the event: its owners and open invitations; add one by email."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: OwnersSerializer})
    def get(self, request, slug):
        event = managed_event(request, slug)
        return Response(OwnersSerializer(selectors.owners_of(event)).data)

    @extend_schema(request=AddOwnerSerializer, responses={201: AddOwnerResponseSerializer})
    def post(self, request, slug):
        event = managed_event(request, slug)
        serializer = AddOwnerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        added = services.add_event_owner(
            actor=request.user, event=event, email=serializer.validated_data["email"]
        )
        body = (
            {"email": added.user.email, "status": "owner"}
            if added.user
            else {"email": added.invitation.email, "status": "invited"}
        )
        return Response(body, status=status.HTTP_201_CREATED)


class EventOwner(APIView):
    """Remove an owner of the event; the last owner stays (400)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, slug, pk):
        event = managed_event(request, slug)
        user = get_object_or_404(get_user_model(), pk=pk)
        services.remove_event_owner(actor=request.user, event=event, user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
