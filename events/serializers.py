from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Affiliation
from booking.timezones import StrictDateTimeField
from events.models import EventKind, Programme, Registration, Theme
from events.services import registration_is_open


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = [
            "slug",
            "name",
            "description",
            "title_en",
            "description_en",
            "starts_on",
            "ends_on",
        ]

    def validate(self, attrs):
        starts_on, ends_on = attrs.get("starts_on"), attrs.get("ends_on")
        if starts_on and ends_on and starts_on > ends_on:
            raise serializers.ValidationError({"ends_on": [_("The last day is before the first.")]})
        return attrs


class SpeakerSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    organisation = serializers.CharField(read_only=True)
    bio = serializers.CharField(read_only=True)


class SessionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    start = StrictDateTimeField(read_only=True)
    end = StrictDateTimeField(read_only=True)
    room = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    location_text = serializers.CharField(read_only=True)
    # A session's speakers are its event's (an imported talk is one event, one session).
    speakers = SpeakerSerializer(source="event.speakers.all", many=True, read_only=True)

    def get_room(self, session) -> str | None:
        room = getattr(session, "room", None)
        return room.slug if room is not None else None

    def get_location(self, session) -> str:
        room = getattr(session, "room", None)
        if room is not None:
            return f"{room.name}, {room.location.name}"
        return session.location_text


class EventSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True)
    theme = serializers.CharField(read_only=True)
    programme = serializers.CharField(source="programme.slug", read_only=True)
    description = serializers.CharField(read_only=True)
    title_en = serializers.CharField(read_only=True)
    description_en = serializers.CharField(read_only=True)
    capacity = serializers.IntegerField(read_only=True)
    seats_left = serializers.IntegerField(read_only=True)
    waitlist = serializers.BooleanField(read_only=True)
    published = serializers.BooleanField(
        read_only=True, help_text="false for a draft, seen only by those who manage it"
    )
    waitlist_length = serializers.IntegerField(read_only=True)
    registration_open = serializers.SerializerMethodField()
    registration_opens = StrictDateTimeField(read_only=True)
    registration_closes = StrictDateTimeField(read_only=True)
    audience = serializers.ListField(child=serializers.CharField(), read_only=True)
    image = serializers.ImageField(read_only=True)
    sessions = SessionSerializer(many=True, read_only=True)
    speakers = SpeakerSerializer(many=True, read_only=True)

    def get_registration_open(self, event) -> bool:
        return registration_is_open(event)


class SessionWriteSerializer(serializers.Serializer):
    id = serializers.IntegerField(required=False)
    start = StrictDateTimeField()
    end = StrictDateTimeField()
    room = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    location_text = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["start"] >= attrs["end"]:
            raise serializers.ValidationError({"end": [_("A session must end after it starts.")]})
        return attrs


class EventWriteSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=80)
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=EventKind.choices)
    theme = serializers.ChoiceField(choices=Theme.choices)
    programme = serializers.SlugRelatedField(slug_field="slug", queryset=Programme.objects.all())
    description = serializers.CharField(required=False, allow_blank=True, default="")
    title_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description_en = serializers.CharField(required=False, allow_blank=True, default="")
    capacity = serializers.IntegerField(min_value=0)
    audience = serializers.ListField(
        child=serializers.ChoiceField(choices=Affiliation.choices),
        allow_empty=False,
        required=False,
        default=lambda: list(Affiliation.values),
    )
    registration_opens = StrictDateTimeField(required=False, allow_null=True, default=None)
    registration_closes = StrictDateTimeField(required=False, allow_null=True, default=None)
    waitlist = serializers.BooleanField(required=False, default=True)
    published = serializers.BooleanField(
        required=False,
        default=True,
        help_text="false keeps the event a draft: no public lists or feeds, no registrations",
    )
    sessions = SessionWriteSerializer(many=True, required=False)

    def validate_audience(self, value):
        return sorted(set(value), key=list(Affiliation.values).index)

    def validate(self, attrs):
        opens = attrs.get("registration_opens")
        closes = attrs.get("registration_closes")
        if self.instance is not None:
            opens = attrs.get("registration_opens", self.instance.registration_opens)
            closes = attrs.get("registration_closes", self.instance.registration_closes)
        if opens and closes and opens >= closes:
            raise serializers.ValidationError(
                {"registration_closes": [_("Registration must open before it closes.")]}
            )
        return attrs


class RegistrationSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="event.slug", read_only=True)
    event_title = serializers.CharField(source="event.title", read_only=True)
    waitlist_position = serializers.IntegerField(read_only=True, allow_null=True)
    created_at = StrictDateTimeField(read_only=True)
    cancelled_at = StrictDateTimeField(read_only=True)

    class Meta:
        model = Registration
        fields = [
            "id",
            "event",
            "event_title",
            "status",
            "waitlist_position",
            "created_at",
            "cancelled_at",
        ]


class RegisterResponseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    waitlist_position = serializers.IntegerField(allow_null=True)


class OrganiserRegistrationSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    affiliation = serializers.SerializerMethodField()
    waitlist_position = serializers.IntegerField(read_only=True, allow_null=True)
    attended_sessions = serializers.SerializerMethodField()
    created_at = StrictDateTimeField(read_only=True)

    class Meta:
        model = Registration
        fields = [
            "id",
            "name",
            "email",
            "affiliation",
            "status",
            "waitlist_position",
            "created_at",
            "attended_sessions",
        ]

    def get_name(self, registration) -> str:
        return registration.user.name if registration.user else ""

    def get_email(self, registration) -> str:
        return registration.user.email if registration.user else ""

    def get_affiliation(self, registration) -> str:
        return registration.user.affiliation if registration.user else ""

    def get_attended_sessions(self, registration) -> list[int]:
        return sorted(attendance.session_id for attendance in registration.attendances.all())


class AttendanceWriteSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    present = serializers.BooleanField()
