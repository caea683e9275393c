import pytest

from booking.models import Closure, Room
from booking.services import create_booking
from tests.booking.conftest import at
from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def span(day, start, end):
    return {"start": at(day, start).isoformat(), "end": at(day, end).isoformat()}


def test_availability_busy_includes_buffer_and_closure(user_api, user, day):
    room = RoomFactory(
        buffer_minutes=15, location=LocationFactory(hours={day.weekday(): ("08:00", "18:00")})
    )
    create_booking(user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="")
    Closure.objects.create(room=room, start=at(day, "15:00"), end=at(day, "20:00"), reason="Lak")

    response = user_api.get(
        f"/api/v1/rooms/{room.slug}/availability/",
        {"start": f"{day}T00:00", "end": f"{day}T23:59"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "room": room.slug,
        "busy": [span(day, "09:45", "11:15"), span(day, "15:00", "18:00")],
        "free": [
            {**span(day, "08:00", "09:45"), "seats_left": 8},
            {**span(day, "11:15", "15:00"), "seats_left": 8},
        ],
    }


def test_availability_end_before_start_is_400(user_api, room, day):
    response = user_api.get(
        f"/api/v1/rooms/{room.slug}/availability/", {"start": f"{day}T12:00", "end": f"{day}T11:00"}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["end"]


def test_free_room_search_leaves_out_busy_closed_and_unbookable(user_api, user, day):
    location = LocationFactory(slug="lab-centrum", hours={day.weekday(): ("08:00", "18:00")})
    free = RoomFactory(slug="free", location=location, capacity=10)
    booked = RoomFactory(slug="booked", location=location, capacity=10, buffer_minutes=30)
    closed = RoomFactory(slug="closed", location=location, capacity=10)
    RoomFactory(slug="public-only", location=location, capacity=10, bookable_by=["public"])
    RoomFactory(slug="small", location=location, capacity=2)
    create_booking(user=user, room=booked, start=at(day, "08:00"), end=at(day, "09:45"), title="")
    Closure.objects.create(room=closed, start=at(day, "11:00"), end=at(day, "12:00"), reason="")

    response = user_api.get(
        "/api/v1/rooms/",
        {"free_from": f"{day}T10:00", "free_until": f"{day}T12:00", "capacity": 5},
    )

    assert [r["slug"] for r in response.json()["results"]] == [free.slug]


def test_free_room_search_outside_opening_hours_is_empty(user_api, day):
    RoomFactory(location=LocationFactory(hours={day.weekday(): ("08:00", "18:00")}))

    response = user_api.get(
        "/api/v1/rooms/", {"free_from": f"{day}T17:00", "free_until": f"{day}T19:00"}
    )

    assert response.json()["count"] == 0


def test_free_room_search_needs_both_ends(user_api, day):
    response = user_api.get("/api/v1/rooms/", {"free_from": f"{day}T17:00"})

    assert response.status_code == 400


def test_room_list_filters_kind_location(user_api):
    lab = RoomFactory(kind="lab")
    RoomFactory(kind="studio")

    by_kind = user_api.get("/api/v1/rooms/", {"kind": "lab"}).json()
    by_location = user_api.get("/api/v1/rooms/", {"location": lab.location.slug}).json()

    assert [r["slug"] for r in by_kind["results"]] == [lab.slug]
    assert [r["slug"] for r in by_location["results"]] == [lab.slug]


def test_room_detail_fields(user_api, room):
    data = user_api.get(f"/api/v1/rooms/{room.slug}/").json()

    assert {
        "slug",
        "name",
        "location",
        "kind",
        "capacity",
        "description",
        "amenities",
        "photo",
        "thumbnail",
        "requires_approval",
        "bookable_by",
    } <= set(data)
    assert data["location"] == room.location.slug


def test_create_room_by_facility_manager(manager_api):
    location = LocationFactory()

    response = manager_api.post(
        "/api/v1/rooms/",
        {
            "slug": "podcaststudio",
            "name": "Podcaststudio",
            "location": location.slug,
            "kind": "studio",
            "capacity": 4,
            "bookable_by": ["hu", "partner"],
            "buffer_minutes": 15,
        },
        format="json",
    )

    assert response.status_code == 201
    assert Room.objects.get(slug="podcaststudio").bookable_by == ["hu", "partner"]


def test_create_room_by_plain_user_is_403(user_api):
    location = LocationFactory()

    response = user_api.post(
        "/api/v1/rooms/",
        {"slug": "x", "name": "X", "location": location.slug, "kind": "lab", "capacity": 4},
        format="json",
    )

    assert response.status_code == 403


def test_patch_room_rules_min_above_max_is_400(manager_api, room):
    response = manager_api.patch(
        f"/api/v1/rooms/{room.slug}/", {"min_duration_minutes": 600}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["min_duration_minutes"]


def test_create_location_with_opening_hours(manager_api, user_api):
    response = manager_api.post(
        "/api/v1/locations/",
        {
            "slug": "media-park",
            "name": "Media Park",
            "address": "Media Park, Hilversum",
            "opening_hours": [{"weekday": 0, "opens": "08:00", "closes": "22:00"}],
        },
        format="json",
    )

    listed = user_api.get("/api/v1/locations/").json()["results"]
    assert response.status_code == 201
    assert listed[0]["opening_hours"] == [{"weekday": 0, "opens": "08:00", "closes": "22:00"}]


def test_create_closure_by_facility_manager(manager_api, room, day):
    response = manager_api.post(
        "/api/v1/closures/",
        {"room": room.slug, "start": f"{day}T08:00", "end": f"{day}T12:00", "reason": "Onderhoud"},
        format="json",
    )

    assert response.status_code == 201
    assert Closure.objects.get().room == room


def test_create_closure_with_both_targets_is_400(manager_api, room, day):
    response = manager_api.post(
        "/api/v1/closures/",
        {
            "room": room.slug,
            "location": room.location.slug,
            "start": f"{day}T08:00",
            "end": f"{day}T12:00",
            "reason": "x",
        },
        format="json",
    )

    assert response.status_code == 400
    assert Closure.objects.count() == 0


def test_create_closure_by_plain_user_is_403(user_api, room, day):
    response = user_api.post(
        "/api/v1/closures/",
        {"room": room.slug, "start": f"{day}T08:00", "end": f"{day}T12:00", "reason": "x"},
        format="json",
    )

    assert response.status_code == 403


def test_unbookable_user_sees_no_free_rooms(api_client, day):
    RoomFactory(bookable_by=["hu"])
    api_client.force_authenticate(UserFactory(affiliation="public"))

    response = api_client.get(
        "/api/v1/rooms/", {"free_from": f"{day}T10:00", "free_until": f"{day}T11:00"}
    )

    assert response.json()["count"] == 0


def test_rooms_and_locations_readable_without_signing_in(api_client, db):
    room = RoomFactory(slug="open-lab")

    rooms = api_client.get("/api/v1/rooms/")
    one = api_client.get("/api/v1/rooms/open-lab/")
    locations = api_client.get("/api/v1/locations/")

    assert rooms.status_code == 200
    assert [r["slug"] for r in rooms.json()["results"]] == ["open-lab"]
    assert one.json()["name"] == room.name
    assert locations.status_code == 200


def test_room_writes_without_signing_in_are_401(api_client, db):
    response = api_client.post("/api/v1/rooms/", {"slug": "x"}, format="json")

    assert response.status_code == 401


def test_free_room_search_for_visitor_lists_every_free_room(api_client, db):
    RoomFactory(slug="hu-only", bookable_by=["hu"])

    response = api_client.get(
        "/api/v1/rooms/",
        {"free_from": "2027-03-02T10:00", "free_until": "2027-03-02T12:00"},
    )

    assert [r["slug"] for r in response.json()["results"]] == ["hu-only"]


def test_patch_location_opening_hours_entry_missing_opens_is_400(manager_api):
    location = LocationFactory()

    response = manager_api.patch(
        f"/api/v1/locations/{location.slug}/",
        {"opening_hours": [{"weekday": 1, "closes": "17:00"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"opening_hours": {"0": {"opens": ["This field is required."]}}}
    assert location.opening_hours.count() == 7


@pytest.mark.parametrize(
    "value", ["9999-12-31T23:00:00+00:00", "0001-01-01T00:30:00+01:00", "9500-01-01T10:00"]
)
def test_availability_out_of_range_date_is_400(user_api, room, value):
    response = user_api.get(
        f"/api/v1/rooms/{room.slug}/availability/", {"start": "2030-01-07T10:00", "end": value}
    )

    assert response.status_code == 400
    assert list(response.json()) == ["end"]
