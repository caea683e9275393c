"""Text PostgreSQL cannot store (a NUL, a lone surrogate) is a 400 naming the field, never a
500: in API bodies (slug lookups and nested JSON too), query parameters, paths and forms."""

import json

import pytest
from rest_framework.test import APIClient

from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db

NUL = "Null characters are not allowed."
SURROGATE = "Lone surrogate characters are not allowed."


@pytest.fixture
def staff_api(db):
    user = UserFactory(groups=["facility_managers", "event_organisers"])
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def send(client, method, path, body: str):
    # Raw JSON: the test client's own encoder cannot write a lone surrogate.
    return getattr(client, method)(path, body, content_type="application/json")


@pytest.mark.parametrize(
    ("method", "path", "body", "errors"),
    [
        (
            "post",
            "/api/v1/rooms/",
            '{"slug": "studio", "name": "Studio", "location": "hal\\u0000", "kind": "lab",'
            ' "capacity": 2}',
            {"location": [NUL]},
        ),
        ("patch", "/api/v1/rooms/{room}/", '{"location": "hal\\ud800"}', {"location": [SURROGATE]}),
        (
            "post",
            "/api/v1/bookings/",
            '{"room": "\\u0000", "start": "2030-01-07T10:00", "end": "2030-01-07T11:00"}',
            {"room": [NUL]},
        ),
        (
            "post",
            "/api/v1/closures/",
            '{"room": "{room}\\udfff", "start": "2030-01-07T10:00", "end": "2030-01-07T11:00",'
            ' "reason": "Lak"}',
            {"room": [SURROGATE]},
        ),
        (
            "patch",
            "/api/v1/locations/{location}/",
            '{"opening_hours": [{"weekday": 0, "opens": "08:00", "closes": "18:00"},'
            ' {"weekday": 1, "opens": "08:00\\u0000", "closes": "18:00"}]}',
            {"opening_hours": {"1": {"opens": [NUL]}}},
        ),
        (
            "post",
            "/api/v1/events/",
            '{"slug": "x", "title": "X", "kind": "campus_event", "theme": "media_campus",'
            ' "programme": "{programme}\\u0000", "capacity": 3}',
            {"programme": [NUL]},
        ),
        ("patch", "/api/v1/me/", '{"name": "Ann", "bij\\u0000": 1}', {"bij\\x00": [NUL]}),
    ],
)
def test_api_body_with_unstorable_text_is_400_on_field(staff_api, method, path, body, errors):
    room = RoomFactory()
    names = {"room": room.slug, "location": room.location.slug, "programme": "p"}
    ProgrammeFactory(slug="p")
    for key, value in names.items():
        path, body = path.replace(f"{{{key}}}", value), body.replace(f"{{{key}}}", value)

    response = send(staff_api, method, path, body)

    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/rooms/?location=hal%00", "location"),
        ("/api/v1/bookings/?room=%00", "room"),
        ("/api/v1/rooms/hal%00/", "path"),
    ],
)
def test_api_query_or_path_with_nul_is_400_on_parameter(staff_api, path, field):
    response = staff_api.get(path)

    assert response.status_code == 400
    assert json.loads(response.content) == {field: [NUL]}


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/en/rooms/?location=hal%00", "location"),
        ("/en/events/?programme=week%00", "programme"),
        ("/en/admin/booking/room/?q=studio%00", "q"),
    ],
)
def test_page_query_with_nul_is_400_naming_parameter(client, path, field):
    client.raise_request_exception = False
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.get(path)

    assert response.status_code == 400
    assert response.content.decode() == f"{field}: {NUL}"


def test_feed_query_with_nul_is_400_naming_parameter_in_dutch(client):
    response = client.get("/feeds/events.ics?programme=media%00week")

    assert response.status_code == 400
    assert response.content.decode() == "programme: Null-tekens zijn niet toegestaan."


def test_page_form_post_with_nul_is_400_naming_field(client):
    client.raise_request_exception = False
    client.force_login(UserFactory(groups=["facility_managers"]))
    room = RoomFactory()

    response = client.post(
        "/en/manage/bookings/closures/",
        {"room": room.pk, "start": "2030-01-07T10:00", "end": "2030-01-07T11:00", "reason": "L\0"},
    )

    assert response.status_code == 400
    assert response.content.decode() == f"reason: {NUL}"


def test_clean_text_passes_through(staff_api):
    location = LocationFactory()

    response = send(
        staff_api,
        "post",
        "/api/v1/rooms/",
        json.dumps(
            {
                "slug": "studio",
                "name": "Studio 😀 ü",
                "location": location.slug,
                "kind": "lab",
                "capacity": 2,
                "amenities": ["Beamer 🎥"],
            }
        ),
    )

    assert response.status_code == 201, response.json()
    assert response.json()["amenities"] == ["Beamer 🎥"]
