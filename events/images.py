"""Event images: only real images, no decompression bombs, re-encoded without metadata.

The same rules as room photos: Pillow decodes the upload under a pixel limit and writes a
fresh JPEG, so what we serve is never the uploaded bytes (no EXIF, no polyglot files).
"""

import warnings
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PIXELS = 40_000_000
MAX_SIDE = 2000

NOT_AN_IMAGE = _("Upload a JPEG, PNG or WebP image.")
TOO_LARGE = _("This image has too many pixels; upload one of at most 40 megapixels.")


def validate_event_image(upload) -> ContentFile:
    """Return the upload re-encoded as JPEG, or raise ValidationError("invalid_image")."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as probe:
                if probe.format not in {"JPEG", "PNG", "WEBP"}:
                    raise ValidationError(NOT_AN_IMAGE, code="invalid_image")
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationError(TOO_LARGE, code="image_too_large")
                probe.load()
                image = ImageOps.exif_transpose(probe).convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(TOO_LARGE, code="image_too_large") from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(NOT_AN_IMAGE, code="invalid_image") from error
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    buffer = BytesIO()
    image.save(buffer, format="JPEG", quality=85, optimize=True)
    return ContentFile(buffer.getvalue(), name="event.jpg")
