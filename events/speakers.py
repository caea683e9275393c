"""Speakers: who speaks at an event, with a photo checked like room photos (booking.photos:
JPEG, PNG or WebP that decodes, no decompression bombs, stored as a small fresh JPEG)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from booking.errors import BookingError
from booking.photos import THUMBNAIL_EDGE, clean_copy, open_checked
from events.errors import RegistrationError
from events.models import Event, Speaker
from events.services.roles import require_organiser, require_programme_manager

# A face beside a bio: the thumbnail size is plenty, and keeps pages light.
SPEAKER_EDGE = THUMBNAIL_EDGE


def set_speaker_photo(*, actor, speaker: Speaker, upload) -> Speaker:
    """Replace the speaker's photo; a refused image is a 400 on `photo`, nothing changed.
    A speaker belongs to a programme: its managers (events.ownership) change the photo."""
    require_organiser(actor)
    require_programme_manager(actor, speaker.programme)
    upload.seek(0)
    try:
        image = open_checked(upload)
    except BookingError as error:
        raise RegistrationError(error.message, field="photo") from error
    photo = ContentFile(clean_copy(image, SPEAKER_EDGE), name=f"speaker-{speaker.pk}.jpg")
    with transaction.atomic():
        old = speaker.photo.name if speaker.photo else None
        speaker.photo.save(photo.name, photo, save=False)
        speaker.save(update_fields=["photo", "updated_at"])
        # Feeds and pages of the speaker's events show the photo: they changed too.
        Event.objects.filter(speakers=speaker).update(updated_at=timezone.now())
        if old and old != speaker.photo.name:
            storage = speaker.photo.storage
            transaction.on_commit(lambda: storage.delete(old))
    return speaker
