from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Affiliation, Organisation
from accounts.serializers import OrganisationRefSerializer
from booking import selectors
from booking.models import Booking, BookingStatus, Closure, Location, OpeningHours, Room, RoomKind
from booking.services.facilities import ROOM_FIELDS, bookings_in_the_way
from booking.timezones import StrictDateTimeField, local_isoformat


class OpeningHoursSerializer(serializers.ModelSerializer):
    opens = serializers.TimeField(format="%H:%M")
    closes = serializers.TimeField(format="%H:%M")

    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]

    def validate(self, attrs):
        # A PATCH makes every field optional, nested ones too; but a list of opening hours
        # replaces the week, so each entry needs all three.
        missing = [name for name in self.Meta.fields if name not in attrs]
        if missing:
            raise serializers.ValidationError(
                {name: [_("This field is required.")] for name in missing}, code="required"
            )
        return attrs


class LocationSerializer(serializers.ModelSerializer):
    opening_hours = OpeningHoursSerializer(many=True, required=False)

    class Meta:
        model = Location
        fields = ["slug", "name", "address", "opening_hours"]


class RoomSerializer(serializers.ModelSerializer):
    location = serializers.SlugRelatedField(slug_field="slug", queryset=Location.objects.all())
    kind = serializers.ChoiceField(choices=RoomKind.choices)
    amenities = serializers.ListField(child=serializers.CharField(max_length=80), required=False)
    bookable_by = serializers.ListField(
        child=serializers.ChoiceField(choices=Affiliation.choices), required=False
    )
    desks = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=500
    )
    photo = serializers.ImageField(read_only=True)
    thumbnail = serializers.ImageField(read_only=True)

    class Meta:
        model = Room
        fields = [*ROOM_FIELDS, "photo", "thumbnail"]

    def validate_bookable_by(self, value):
        return sorted(set(value))


class RoomDetailSerializer(RoomSerializer):
    """A room with the organisations its rule names (set in the admin)."""

    organisations_allowed = serializers.SerializerMethodField(
        help_text="Organisations whose members may book the room whatever their affiliation."
    )
    organisations_refused = serializers.SerializerMethodField(
        help_text="Organisations whose members may not book the room."
    )

    class Meta(RoomSerializer.Meta):
        fields = [*RoomSerializer.Meta.fields, "organisations_allowed", "organisations_refused"]

    def _named(self, room: Room) -> dict[int, dict]:
        # One query for both lists.
        if not hasattr(self, "_organisations"):
            ids = [*room.organisations_allowed, *room.organisations_refused]
            self._organisations = {
                o.pk: {"slug": o.slug, "name": o.name}
                for o in Organisation.objects.filter(pk__in=ids).order_by("name")
            }
        return self._organisations

    @extend_schema_field(OrganisationRefSerializer(many=True))
    def get_organisations_allowed(self, room: Room) -> list[dict]:
        named = self._named(room)
        return [named[pk] for pk in named if pk in room.organisations_allowed]

    @extend_schema_field(OrganisationRefSerializer(many=True))
    def get_organisations_refused(self, room: Room) -> list[dict]:
        named = self._named(room)
        return [named[pk] for pk in named if pk in room.organisations_refused]


class RoomFilterSerializer(serializers.Serializer):
    location = serializers.SlugField(required=False)
    kind = serializers.ChoiceField(choices=RoomKind.choices, required=False)
    capacity = serializers.IntegerField(min_value=1, required=False)
    free_from = StrictDateTimeField(required=False)
    free_until = StrictDateTimeField(required=False)

    def validate(self, attrs):
        if ("free_from" in attrs) != ("free_until" in attrs):
            raise serializers.ValidationError(
                {"free_until": [_("Give free_from and free_until together.")]}
            )
        if "free_from" in attrs and attrs["free_from"] >= attrs["free_until"]:
            raise serializers.ValidationError(
                {"free_until": [_("free_until must be after free_from.")]}
            )
        return attrs


class SpanSerializer(serializers.Serializer):
    start = StrictDateTimeField()
    end = StrictDateTimeField()

    def validate(self, attrs):
        if attrs["start"] >= attrs["end"]:
            raise serializers.ValidationError({"end": [_("The end must be after the start.")]})
        if (attrs["end"] - attrs["start"]).days > 62:
            raise serializers.ValidationError({"end": [_("Ask for at most 62 days at a time.")]})
        return attrs


class BookingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    room = serializers.CharField(source="room.slug", read_only=True)
    title = serializers.CharField(read_only=True)
    public_title = serializers.BooleanField(
        read_only=True, help_text=Booking._meta.get_field("public_title").help_text
    )
    attendees = serializers.IntegerField(read_only=True)
    start = StrictDateTimeField(read_only=True)
    end = StrictDateTimeField(read_only=True)
    status = serializers.ChoiceField(choices=BookingStatus.choices, read_only=True)
    sequence = serializers.IntegerField(read_only=True)
    series = serializers.IntegerField(source="series_id", read_only=True, allow_null=True)
    user = serializers.SerializerMethodField()
    checked_in_at = StrictDateTimeField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def get_user(self, booking) -> str | None:
        return booking.user.email if booking.user else None

    def to_representation(self, booking: Booking) -> dict:
        # The declared fields, written out. The fields describe the schema; showing a
        # booking through them copies and binds all fourteen for every booking shown,
        # which cost more than the rest of a booking request's Python.
        return {
            "id": booking.pk,
            "room": booking.room.slug,
            "title": booking.title,
            "public_title": booking.public_title,
            "attendees": booking.attendees,
            "start": local_isoformat(booking.start),
            "end": local_isoformat(booking.end),
            "status": booking.status,
            "sequence": booking.sequence,
            "series": booking.series_id,
            "user": self.get_user(booking),
            "checked_in_at": (
                local_isoformat(booking.checked_in_at) if booking.checked_in_at else None
            ),
            "created_at": local_isoformat(booking.created_at),
            "updated_at": local_isoformat(booking.updated_at),
        }


@extend_schema_field(OpenApiTypes.STR)
class RoomForBookingField(serializers.Field):
    """A room by its slug, read as a booking needs it (selectors.room_for_booking) in one
    query with what the booking's rules read; needs the request in the context. A plain
    field, not a SlugRelatedField: that one's queryset is never used here, and setting it up
    for every booking request cost more than the rest of the parsing."""

    default_error_messages = {
        "does_not_exist": _("There is no room “{value}”: use a room's slug, as in /api/v1/rooms/."),
        "invalid": _("Give the room's slug as text, as in /api/v1/rooms/."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        room = selectors.room_for_booking(self.context["request"].user, slug=data)
        if room is None:
            self.fail("does_not_exist", value=data)
        return room

    def to_representation(self, room):
        return room.slug


class BookingCreateSerializer(serializers.Serializer):
    room = RoomForBookingField()
    start = StrictDateTimeField()
    end = StrictDateTimeField()
    title = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    # No minimum here: the rules say what to book instead (booking.rules.check_attendees).
    attendees = serializers.IntegerField(required=False, default=1)
    public_title = serializers.BooleanField(required=False, default=False)
    rrule = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")


class BookingUpdateSerializer(serializers.Serializer):
    start = StrictDateTimeField(required=False)
    end = StrictDateTimeField(required=False)
    title = serializers.CharField(max_length=200, allow_blank=True, required=False)
    scope = serializers.ChoiceField(choices=["this", "following"], default="this")


class ScopeSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=["this", "following"], default="this")


class BookingFilterSerializer(serializers.Serializer):
    room = serializers.SlugField(required=False)
    status = serializers.ChoiceField(choices=BookingStatus.choices, required=False)
    # "from" is a keyword; the serializer maps it below.
    from_ = StrictDateTimeField(required=False)
    to = StrictDateTimeField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


class ClosureSerializer(serializers.ModelSerializer):
    location = serializers.SlugRelatedField(
        slug_field="slug", queryset=Location.objects.all(), required=False, allow_null=True
    )
    room = serializers.SlugRelatedField(
        slug_field="slug", queryset=Room.objects.all(), required=False, allow_null=True
    )
    start = StrictDateTimeField()
    end = StrictDateTimeField()
    cancel_bookings = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Cancel the live bookings in the way and tell each booker why.",
    )

    class Meta:
        model = Closure
        fields = ["id", "location", "room", "start", "end", "reason", "cancel_bookings"]


class ClosureResultSerializer(ClosureSerializer):
    """A closure just made, with what it did to the bookings in its way (a list of closures
    leaves these out: they cost a query per closure)."""

    bookings_in_the_way = serializers.SerializerMethodField(
        help_text="Ids of live bookings that stay during the closure (sessions of events, "
        "or all of them without cancel_bookings): settle them with their bookers."
    )
    cancelled_bookings = serializers.SerializerMethodField(
        help_text="Ids of the bookings this request cancelled."
    )

    class Meta(ClosureSerializer.Meta):
        fields = [*ClosureSerializer.Meta.fields, "bookings_in_the_way", "cancelled_bookings"]

    def get_bookings_in_the_way(self, closure) -> list[int]:
        return list(bookings_in_the_way(closure).values_list("pk", flat=True))

    def get_cancelled_bookings(self, closure) -> list[int]:
        return [booking.pk for booking in getattr(closure, "cancelled", [])]


class PhotoSerializer(serializers.Serializer):
    photo = serializers.FileField()


class CheckInSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=BookingStatus.choices, read_only=True)
    checked_in_at = StrictDateTimeField(read_only=True)

    def to_representation(self, booking: Booking) -> dict:
        return {
            "id": booking.pk,
            "status": booking.status,
            "checked_in_at": local_isoformat(booking.checked_in_at),
        }


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        help_text="Why, for the booker: shown in their mail and on their booking's page.",
    )
