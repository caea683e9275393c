"""The same number of queries for 2 items as for 50 (pretalx's N+1 rule)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Booking, Room
from booking.services import create_booking
from tests.booking.conftest import at
from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def count_queries(fetch) -> int:
    fetch()  # warm up: a first visit makes the API token, caches roles and the site
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    assert response.status_code == 200
    return len(captured)


def make_rooms(count):
    locations = [LocationFactory(), LocationFactory()]
    return [RoomFactory(location=locations[i % 2]) for i in range(count)]


def booking_ids(**filters) -> list[int]:
    return list(Booking.objects.filter(**filters).values_list("pk", flat=True))


def make_bookings(user, room, day, count):
    for index in range(count):
        start = at(day, "07:00") + timedelta(days=index // 15, minutes=60 * (index % 15))
        create_booking(
            user=user, room=room, start=start, end=start + timedelta(minutes=45), title=str(index)
        )


def test_room_list_page_queries_do_not_grow(client):
    make_rooms(2)
    few = count_queries(lambda: client.get("/en/rooms/"))
    make_rooms(48)

    assert count_queries(lambda: client.get("/en/rooms/")) == few
    html = client.get("/en/rooms/").content.decode()
    assert all(f'<a href="/en/rooms/{slug}/"' in html for slug in room_slugs())


def test_room_search_page_queries_do_not_grow(user_client, day):
    params = {"free_from": f"{day}T10:00", "free_until": f"{day}T11:00", "capacity": 2}
    make_rooms(2)
    few = count_queries(lambda: user_client.get("/en/rooms/", params))
    make_rooms(48)

    assert count_queries(lambda: user_client.get("/en/rooms/", params)) == few
    html = user_client.get("/en/rooms/", params).content.decode()
    assert all(f'<a href="/en/rooms/{slug}/"' in html for slug in room_slugs())


def test_rooms_api_queries_do_not_grow(user_api, day):
    params = {"free_from": f"{day}T10:00", "free_until": f"{day}T11:00"}
    make_rooms(2)
    few = count_queries(lambda: user_api.get("/api/v1/rooms/", params))
    make_rooms(48)

    assert count_queries(lambda: user_api.get("/api/v1/rooms/", params)) == few
    assert user_api.get("/api/v1/rooms/", params).json()["count"] == 50


def test_room_week_view_queries_do_not_grow(client, user, day):
    room = RoomFactory()
    url = f"/en/rooms/{room.slug}/?week={day}"
    make_bookings(user, room, day, 2)
    few = count_queries(lambda: client.get(url))
    make_bookings(user, room, day + timedelta(days=2), 48)

    assert count_queries(lambda: client.get(url)) == few


def test_availability_api_queries_do_not_grow(user_api, user, day):
    room = RoomFactory()
    week_end = day + timedelta(days=7)
    url = f"/api/v1/rooms/{room.slug}/availability/?start={day}T00:00&end={week_end}T00:00"
    make_bookings(user, room, day, 2)
    few = count_queries(lambda: user_api.get(url))
    make_bookings(user, room, day + timedelta(days=2), 48)

    assert count_queries(lambda: user_api.get(url)) == few
    assert len(user_api.get(url).json()["busy"]) == 50


def test_bookings_api_list_queries_do_not_grow(manager_api, day):
    rooms = make_rooms(3)
    users = [UserFactory(), UserFactory()]
    make_bookings(users[0], rooms[0], day, 2)
    few = count_queries(lambda: manager_api.get("/api/v1/bookings/"))
    make_bookings(users[1], rooms[1], day, 24)
    make_bookings(users[0], rooms[2], day, 24)

    assert count_queries(lambda: manager_api.get("/api/v1/bookings/")) == few
    assert manager_api.get("/api/v1/bookings/").json()["count"] == 50


def test_my_overview_queries_do_not_grow(user_client, user, day):
    rooms = make_rooms(3)
    make_bookings(user, rooms[0], day, 2)
    few = count_queries(lambda: user_client.get("/en/my/"))
    make_bookings(user, rooms[1], day, 24)
    make_bookings(user, rooms[2], day, 24)

    assert count_queries(lambda: user_client.get("/en/my/")) == few
    html = user_client.get("/en/my/").content.decode()
    assert all(f'href="/en/my/bookings/{pk}/"' in html for pk in booking_ids(user=user))


def test_manage_bookings_page_queries_do_not_grow(client, facility_manager, user, day):
    client.force_login(facility_manager)
    rooms = [RoomFactory(requires_approval=True) for _ in range(3)]
    url = f"/en/manage/bookings/?day={day}"
    make_bookings(user, rooms[0], day, 2)
    few = count_queries(lambda: client.get(url))
    make_bookings(user, rooms[1], day, 24)
    make_bookings(UserFactory(), rooms[2], day, 24)

    assert count_queries(lambda: client.get(url)) == few
    html = client.get(url).content.decode()
    pending = booking_ids(status="pending")
    assert len(pending) == 50
    assert all(f'action="/en/manage/bookings/{pk}/approve/"' in html for pk in pending)


def test_locations_api_queries_do_not_grow(user_api):
    LocationFactory()
    few = count_queries(lambda: user_api.get("/api/v1/locations/"))
    for _ in range(10):
        LocationFactory()

    assert count_queries(lambda: user_api.get("/api/v1/locations/")) == few
    assert len(user_api.get("/api/v1/locations/").json()["results"]) == 11


def room_slugs() -> list[str]:
    return list(Room.objects.values_list("slug", flat=True))
