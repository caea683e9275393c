"""`POST /api/v1/programmes/{slug}/import/`: a frab or pretalx schedule into a programme."""

import json

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from events.api import IsOrganiser
from events.models import Programme
from events.schedule_import import MAX_BYTES, parse_schedule
from events.services.schedule import import_schedule, remembered_room_map


def parse_room_map(text: str) -> dict[str, str]:
    """The `rooms` field: a JSON object of schedule room name -> our room slug."""
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise serializers.ValidationError(
            _(
                "Give the rooms as a JSON object of schedule room names to room slugs, "
                'such as {"Hall 1": "studio-21"}.'
            )
        )
    return value


class ScheduleImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    rooms = serializers.CharField(
        required=False,
        help_text="JSON object: schedule room name -> room slug; without it, the last mapping used",
    )

    def validate_file(self, upload):
        if upload.size > MAX_BYTES:
            raise serializers.ValidationError(_("A schedule file may be at most 5 MB."))
        return upload

    def validate_rooms(self, text):
        return parse_room_map(text)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ScheduleImport(APIView):
    """Event organisers: make the programme's imported events match a schedule file."""

    permission_classes = [IsOrganiser]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ScheduleImportSerializer, responses={200: ImportResultSerializer})
    def post(self, request, slug):
        programme = get_object_or_404(Programme, slug=slug)
        serializer = ScheduleImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        talks = parse_schedule(serializer.validated_data["file"].read())
        room_map = serializer.validated_data.get("rooms")
        if room_map is None:
            room_map = remembered_room_map(programme)
        counts = import_schedule(
            actor=request.user, programme=programme, talks=talks, room_map=room_map
        )
        return Response(counts)
