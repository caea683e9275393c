"""Speakers over the API: anyone reads a programme's speakers; who manages the programme adds,
changes and removes them (events.speakers) and uploads their photo (multipart, as for rooms)."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from events.api import IsOrganiser, ReadOrOrganiser
from events.models import Event, Programme, Speaker
from events.speakers import create_speaker, delete_speaker, set_speaker_photo, update_speaker


class SpeakerDetailSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="programme.slug", read_only=True)
    events = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Speaker
        fields = ["id", "programme", "name", "organisation", "bio", "photo", "events"]


class SpeakerWriteSerializer(serializers.Serializer):
    """`events`: slugs of the programme's events the speaker speaks at (all of them)."""

    name = serializers.CharField(max_length=200)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    bio = serializers.CharField(required=False, allow_blank=True)
    events = serializers.ListField(child=serializers.SlugField(max_length=80), required=False)


class PhotoUploadSerializer(serializers.Serializer):
    photo = serializers.FileField()


def _speakers():
    return Speaker.objects.select_related("programme").prefetch_related(
        Prefetch("events", queryset=Event.objects.only("id", "slug").order_by("slug"))
    )


class ProgrammeSpeakers(APIView):
    permission_classes = [ReadOrOrganiser]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(responses={200: SpeakerDetailSerializer(many=True)})
    def get(self, request, slug):
        programme = get_object_or_404(Programme, slug=slug)
        speakers = _speakers().filter(programme=programme).order_by("name", "id")
        return Response(
            SpeakerDetailSerializer(speakers, many=True, context={"request": request}).data
        )

    @extend_schema(request=SpeakerWriteSerializer, responses={201: SpeakerDetailSerializer})
    def post(self, request, slug):
        programme = get_object_or_404(Programme, slug=slug)
        given = SpeakerWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        speaker = create_speaker(actor=request.user, programme=programme, **given.validated_data)
        return Response(
            SpeakerDetailSerializer(
                _speakers().get(pk=speaker.pk), context={"request": request}
            ).data,
            status=status.HTTP_201_CREATED,
        )


class SpeakerDetail(APIView):
    permission_classes = [ReadOrOrganiser]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(responses={200: SpeakerDetailSerializer})
    def get(self, request, pk):
        speaker = get_object_or_404(_speakers(), pk=pk)
        return Response(SpeakerDetailSerializer(speaker, context={"request": request}).data)

    @extend_schema(request=SpeakerWriteSerializer, responses={200: SpeakerDetailSerializer})
    def patch(self, request, pk):
        speaker = get_object_or_404(Speaker.objects.select_related("programme"), pk=pk)
        given = SpeakerWriteSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        update_speaker(actor=request.user, speaker=speaker, **given.validated_data)
        return Response(
            SpeakerDetailSerializer(_speakers().get(pk=pk), context={"request": request}).data
        )

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        speaker = get_object_or_404(Speaker.objects.select_related("programme"), pk=pk)
        delete_speaker(actor=request.user, speaker=speaker)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SpeakerPhoto(APIView):
    permission_classes = [IsOrganiser]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=PhotoUploadSerializer, responses={200: SpeakerDetailSerializer})
    def post(self, request, pk):
        speaker = get_object_or_404(Speaker, pk=pk)
        upload = PhotoUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        set_speaker_photo(
            actor=request.user, speaker=speaker, upload=upload.validated_data["photo"]
        )
        return Response(SpeakerDetailSerializer(speaker, context={"request": request}).data)
