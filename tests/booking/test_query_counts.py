"""The same number of queries for 2 items as for 50 (pretalx's N+1 rule). A booking's exact
queries are in tests/booking/test_booking_round_trips.py."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Booking, BookingMode, Room
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
    """Rooms in two locations, every third one a seats room (its search asks more SQL)."""
    locations = [LocationFactory(), LocationFactory()]
    return [
        RoomFactory(
            location=locations[i % 2],
            booking_mode=BookingMode.SEATS if i % 3 == 0 else BookingMode.ROOM,
        )
        for i in range(count)
    ]


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


@pytest.mark.parametrize("mode", [BookingMode.ROOM, BookingMode.SEATS])
def test_room_week_view_queries_do_not_grow(client, user, day, mode):
    room = RoomFactory(booking_mode=mode)
    url = f"/en/rooms/{room.slug}/?week={day}"
    make_bookings(user, room, day, 2)
    few = count_queries(lambda: client.get(url))
    make_bookings(user, room, day + timedelta(days=2), 48)

    assert count_queries(lambda: client.get(url)) == few


@pytest.mark.parametrize("mode", [BookingMode.ROOM, BookingMode.SEATS])
def test_availability_api_queries_do_not_grow(user_api, user, day, mode):
    room = RoomFactory(booking_mode=mode)
    week_end = day + timedelta(days=7)
    url = f"/api/v1/rooms/{room.slug}/availability/?start={day}T00:00&end={week_end}T00:00"
    make_bookings(user, room, day, 2)
    few = count_queries(lambda: user_api.get(url))
    make_bookings(user, room, day + timedelta(days=2), 48)

    assert count_queries(lambda: user_api.get(url)) == few
    body = user_api.get(url).json()
    if mode == BookingMode.ROOM:
        assert len(body["busy"]) == 50
    else:  # each one-seat booking leaves 7 of 8 seats
        assert sorted({span["seats_left"] for span in body["free"]}) == [7, 8]


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


def test_overlap_lookup_finds_room_and_time_in_the_gist_index(day):
    # A room id passed as a plain integer cannot use the bigint room_id column of the GiST
    # index (btree_gist has no cross-type operators): every room's bookings at that time
    # would be read and filtered, as the booking rush measured (2.4 ms instead of 0.05 ms).
    room = RoomFactory()
    clashes = Booking.objects.of_room(room).blocking(at(day, "10:00"), at(day, "11:00"))

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = clashes.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    gist_scan = re.search(r"using (booking_room_blocked_range|booking_booking_no_overlap) ", plan)
    assert gist_scan is not None, plan
    assert re.search(r"Index Cond: \(+room_id = ", plan), plan


def room_slugs() -> list[str]:
    return list(Room.objects.values_list("slug", flat=True))
