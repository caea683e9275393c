import struct
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from booking.models import Room

pytestmark = pytest.mark.django_db


def image_bytes(fmt="JPEG", size=(40, 20), exif=None):
    output = BytesIO()
    kwargs = {"exif": exif.tobytes()} if exif is not None else {}
    Image.new("RGB", size, (200, 30, 30)).save(output, format=fmt, **kwargs)
    return output.getvalue()


def png_claiming(width, height):
    """A tiny PNG whose header claims a huge canvas: a decompression bomb."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def upload(client, room, content, name="photo.jpg"):
    return client.post(
        f"/api/v1/rooms/{room.slug}/photo/",
        {"photo": SimpleUploadedFile(name, content)},
        format="multipart",
    )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_upload_photo_accepts_jpeg_png_webp(manager_api, room, fmt):
    response = upload(manager_api, room, image_bytes(fmt), f"photo.{fmt.lower()}")

    room.refresh_from_db()
    assert response.status_code == 200
    assert response.json()["photo"].endswith(".jpg")
    assert Image.open(room.thumbnail.path).size == (40, 20)


def test_upload_photo_not_an_image_is_400(manager_api, room):
    response = upload(manager_api, room, b"%PDF-1.7 this is not a photo", "plan.pdf")

    assert response.status_code == 400
    assert response.json() == {"photo": ["This file is not an image we can read."]}
    assert not Room.objects.get(pk=room.pk).photo


def test_upload_photo_gif_is_400(manager_api, room):
    response = upload(manager_api, room, image_bytes("GIF"), "photo.gif")

    assert response.status_code == 400
    assert response.json() == {"photo": ["Upload a JPEG, PNG or WebP image."]}


@pytest.mark.parametrize(("width", "height"), [(6000, 5000), (100_000, 100_000)])
def test_upload_photo_bomb_is_400(manager_api, room, width, height):
    response = upload(manager_api, room, png_claiming(width, height), "bomb.png")

    assert response.status_code == 400
    assert response.json() == {"photo": ["A photo may be at most 25 megapixels."]}


def test_upload_photo_truncated_is_400(manager_api, room):
    response = upload(manager_api, room, image_bytes()[:200])

    assert response.status_code == 400


def test_upload_photo_over_10_mb_is_400(manager_api, room):
    content = image_bytes() + b"\x00" * (10 * 1024 * 1024)

    response = upload(manager_api, room, content)

    assert response.status_code == 400
    assert response.json() == {"photo": ["A photo may be at most 10 MB."]}


def test_upload_photo_strips_gps_and_applies_orientation(manager_api, room):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # camera held sideways: turn 90 degrees
    exif[ExifTags.Base.Make] = "Phone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (52.0, 13.0, 59.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (5.0, 10.0, 30.0)
    original = image_bytes(size=(40, 20), exif=exif)
    assert Image.open(BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    response = upload(manager_api, room, original)

    room.refresh_from_db()
    stored = Image.open(room.photo.path)
    assert response.status_code == 200
    assert stored.size == (20, 40)
    assert dict(stored.getexif()) == {}
    assert "exif" not in stored.info
    assert b"Phone" not in room.photo.read()


def test_upload_photo_by_plain_user_is_403(user_api, room):
    assert upload(user_api, room, image_bytes()).status_code == 403
