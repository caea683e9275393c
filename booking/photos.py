"""Room photos: accept JPEG, PNG and WebP that decode, within 25 megapixels and 10 MB; store a
copy without metadata (GPS included), turned upright, and a thumbnail.
"""

import warnings
from io import BytesIO

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from booking.errors import BookingError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 25_000_000
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
STORED_EDGE = 2400
THUMBNAIL_EDGE = 480


def refuse(message) -> BookingError:
    return BookingError(message, field="photo")


def open_checked(upload) -> Image.Image:
    """Open and fully decode the upload, refusing anything outside the limits."""
    if upload.size > MAX_BYTES:
        raise refuse(_("A photo may be at most 10 MB."))
    try:
        with warnings.catch_warnings():
            # Pillow only warns between its own limit and twice that; treat it as refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise refuse(_("Upload a JPEG, PNG or WebP image."))
            width, height = image.size
            # Checked before decoding: a small file can claim an enormous canvas.
            if width * height > MAX_PIXELS:
                raise refuse(_("A photo may be at most 25 megapixels."))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise refuse(_("A photo may be at most 25 megapixels.")) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise refuse(_("This file is not an image we can read.")) from error
    return image


def clean_copy(image: Image.Image, edge: int) -> bytes:
    """Upright, RGB, at most `edge` pixels on the long side, saved without any metadata."""
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "P"):
        upright = upright.convert("RGBA")
        background = Image.new("RGB", upright.size, (255, 255, 255))
        background.paste(upright, mask=upright.getchannel("A"))
        upright = background
    elif upright.mode != "RGB":
        upright = upright.convert("RGB")
    upright.thumbnail((edge, edge))
    # A fresh image carries pixels only: no EXIF, XMP, ICC or comments can survive.
    bare = Image.new("RGB", upright.size)
    bare.paste(upright)
    output = BytesIO()
    bare.save(output, format="JPEG", quality=85, optimize=True)
    return output.getvalue()


def process_photo(upload) -> tuple[ContentFile, ContentFile]:
    """The stored photo and its thumbnail, as JPEG files; BookingError (400) if refused."""
    image = open_checked(upload)
    photo = ContentFile(clean_copy(image, STORED_EDGE), name="photo.jpg")
    thumbnail = ContentFile(clean_copy(image, THUMBNAIL_EDGE), name="thumb.jpg")
    return photo, thumbnail
