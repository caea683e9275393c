"""Event images get the same Pillow handling as room photos (booking.photos): only JPEG, PNG
and WebP that decode, no decompression bombs, stored as a fresh JPEG without metadata."""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from booking.errors import BookingError
from booking.photos import STORED_EDGE, clean_copy, open_checked


def validate_event_image(upload) -> ContentFile:
    """Return the upload re-encoded as JPEG, or raise ValidationError naming the problem."""
    upload.seek(0)
    try:
        image = open_checked(upload)
    except BookingError as error:
        raise ValidationError(error.message, code="invalid_image") from error
    return ContentFile(clean_copy(image, STORED_EDGE), name="event.jpg")
