"""Speakers over the API: organisers upload a speaker's photo (multipart), as for rooms."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from events.api import IsOrganiser
from events.models import Speaker
from events.speakers import set_speaker_photo


class SpeakerDetailSerializer(serializers.ModelSerializer):
    programme = serializers.CharField(source="programme.slug", read_only=True)
    events = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Speaker
        fields = ["id", "programme", "name", "organisation", "bio", "photo", "events"]


class PhotoUploadSerializer(serializers.Serializer):
    photo = serializers.FileField()


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
