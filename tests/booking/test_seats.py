"""Seats rooms through the API: a booking takes `attendees` seats, and at no instant do live
bookings hold more than the capacity."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from booking.models import Booking, BookingMode
from booking.services import create_booking
from events.errors import RegistrationError
from tests.booking.conftest import at, next_monday
from tests.booking.factories import LocationFactory, RoomFactory
from tests.booking.test_concurrency import run_parallel
from tests.conftest import pause_booking_statement
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def span(day, start, end):
    return {"start": at(day, start).isoformat(), "end": at(day, end).isoformat()}


def book(api, room, day, start, end, seats=1, **extra):
    return api.post(
        "/api/v1/bookings/",
        {"room": room.slug, **span(day, start, end), "attendees": seats, **extra},
        format="json",
    )


@pytest.fixture
def lab(db):
    return RoomFactory(booking_mode=BookingMode.SEATS, capacity=4, name="Redactielab")


def client_of(user=None):
    client = APIClient()
    client.force_authenticate(user or UserFactory())
    return client


def test_seats_bookings_share_time_up_to_the_capacity(lab, day):
    made = [book(client_of(), lab, day, "10:00", "12:00", seats) for seats in (1, 2, 1)]
    refused = book(client_of(), lab, day, "11:00", "13:00")

    assert [r.status_code for r in made] == [201, 201, 201]
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": f"Redactielab is full from {rules_label(day, '11:00')} to "
        f"{rules_label(day, '12:00')}. Choose another time.",
        "conflicts": [span(day, "11:00", "12:00")],
    }
    assert Booking.objects.filter(room=lab).count() == 3


def rules_label(day, hhmm):
    from booking.rules import local_label

    return local_label(at(day, hhmm))


def test_seats_refusal_names_the_spans_with_too_few_seats(lab, day):
    assert book(client_of(), lab, day, "09:00", "10:00", 3).status_code == 201
    assert book(client_of(), lab, day, "11:00", "12:00", 2).status_code == 201

    response = book(client_of(), lab, day, "09:30", "11:30", 2)

    assert response.status_code == 409
    body = response.json()
    # 1 seat left 09:30-10:00, 2 left 10:00-11:00 (enough), 2 left 11:00-11:30 (enough).
    assert body["conflicts"] == [span(day, "09:30", "10:00")]
    assert "has 1 of 4 seats left" in body["detail"]
    assert "you asked for 2" in body["detail"]


def test_seats_counted_at_each_instant_not_summed_over_the_span(lab, day):
    # Four one-seat bookings one after another never hold more than one seat at once.
    for hour in ("09", "10", "11", "12"):
        assert book(client_of(), lab, day, f"{hour}:00", f"{hour}:59").status_code == 201

    assert book(client_of(), lab, day, "09:00", "13:00", 3).status_code == 201
    assert book(client_of(), lab, day, "09:15", "09:45").status_code == 409


def test_more_seats_than_the_room_has_is_a_400_saying_how_many(lab, day):
    response = book(client_of(), lab, day, "10:00", "11:00", 5)

    assert response.status_code == 400
    assert response.json() == {"attendees": ["Redactielab has 4 seats: book at most 4."]}


@pytest.mark.parametrize("seats", [0, -1])
def test_no_seats_is_a_400(lab, day, seats):
    response = book(client_of(), lab, day, "10:00", "11:00", seats)

    assert response.status_code == 400
    assert response.json() == {"attendees": ["Book at least one seat."]}
    assert not Booking.objects.exists()


def test_whole_rooms_still_take_the_room(day):
    room = RoomFactory(capacity=4)

    first = book(client_of(), room, day, "10:00", "11:00", 1)
    second = book(client_of(), room, day, "10:30", "11:30", 1)

    assert (first.status_code, second.status_code) == (201, 409)
    assert Booking.objects.get().takes_whole_room is True


def test_buffer_holds_the_seats_after_a_booking(day):
    lab = RoomFactory(booking_mode=BookingMode.SEATS, capacity=2, buffer_minutes=15)
    assert book(client_of(), lab, day, "10:00", "11:00", 2).status_code == 201

    too_soon = book(client_of(), lab, day, "11:10", "12:00")
    after_buffer = book(client_of(), lab, day, "11:15", "12:00")

    assert too_soon.status_code == 409
    assert too_soon.json()["conflicts"] == [span(day, "11:10", "11:15")]
    assert after_buffer.status_code == 201


def test_closure_and_opening_hours_hold_in_seats_rooms(day):
    lab = RoomFactory(
        booking_mode=BookingMode.SEATS,
        capacity=4,
        location=LocationFactory(hours={day.weekday(): ("09:00", "17:00")}),
    )
    from booking.models import Closure

    Closure.objects.create(room=lab, start=at(day, "13:00"), end=at(day, "14:00"), reason="Lak")

    closed = book(client_of(), lab, day, "12:30", "13:30")
    not_open = book(client_of(), lab, day, "16:30", "17:30")

    assert closed.status_code == 409
    assert "closed" in closed.json()["detail"]
    assert not_open.status_code == 400


def test_approval_rooms_with_seats_start_pending(day):
    lab = RoomFactory(booking_mode=BookingMode.SEATS, capacity=4, requires_approval=True)

    response = book(client_of(), lab, day, "10:00", "11:00", 2)

    assert response.status_code == 201
    assert response.json()["status"] == "pending"


def test_a_move_needs_the_seats_at_the_new_time(lab, day):
    owner = UserFactory()
    # Three of four seats: counted twice, its own seats would fill the room on their own.
    mine = book(client_of(owner), lab, day, "09:00", "10:00", 3).json()
    assert book(client_of(), lab, day, "11:00", "12:00", 3).status_code == 201

    refused = client_of(owner).patch(
        f"/api/v1/bookings/{mine['id']}/", span(day, "11:30", "12:30"), format="json"
    )
    moved = client_of(owner).patch(
        f"/api/v1/bookings/{mine['id']}/", span(day, "12:00", "13:00"), format="json"
    )

    assert refused.status_code == 409
    assert refused.json()["conflicts"] == [span(day, "11:30", "12:00")]
    assert moved.status_code == 200
    # Moving within its own time counts its own seats once, not twice.
    within = client_of(owner).patch(
        f"/api/v1/bookings/{mine['id']}/", span(day, "12:15", "13:15"), format="json"
    )
    assert within.status_code == 200


def test_a_series_needs_the_seats_on_every_occurrence(lab, day):
    assert book(client_of(), lab, day + timedelta(days=7), "10:00", "11:00", 3).status_code == 201

    refused = book(client_of(), lab, day, "10:00", "11:00", 2, rrule="FREQ=WEEKLY;COUNT=3")
    fits = book(client_of(), lab, day, "10:00", "11:00", 1, rrule="FREQ=WEEKLY;COUNT=3")

    assert refused.status_code == 409
    assert refused.json()["conflicts"] == [span(day + timedelta(days=7), "10:00", "11:00")]
    assert "1 of 3 occurrences" in refused.json()["detail"]
    assert fits.status_code == 201
    assert Booking.objects.filter(room=lab).count() == 4


def test_a_series_move_needs_the_seats(lab, day):
    owner = UserFactory()
    series = book(client_of(owner), lab, day, "10:00", "11:00", 2, rrule="FREQ=WEEKLY;COUNT=2")
    first = series.json()["results"][0]["id"]
    assert book(client_of(), lab, day + timedelta(days=7), "14:00", "15:00", 3).status_code == 201

    response = client_of(owner).patch(
        f"/api/v1/bookings/{first}/",
        {**span(day, "14:00", "15:00"), "scope": "following"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["conflicts"] == [span(day + timedelta(days=7), "14:00", "15:00")]


def test_an_event_session_holds_a_seats_room_whole(lab, day):
    from events.services import SessionSpec, add_session

    organiser = UserFactory(groups=["event_organisers"])
    event = EventFactory(capacity=40, owners=[organiser])
    assert book(client_of(), lab, day, "10:00", "11:00").status_code == 201

    with pytest.raises(RegistrationError) as refused:
        add_session(
            actor=organiser,
            event=event,
            spec=SessionSpec(start=at(day, "10:30"), end=at(day, "12:00"), room=lab),
        )
    add_session(
        actor=organiser,
        event=event,
        spec=SessionSpec(start=at(day, "13:00"), end=at(day, "14:00"), room=lab),
    )
    during_session = book(client_of(), lab, day, "13:30", "14:30")

    assert refused.value.code == "conflict"
    assert Booking.objects.get(room=lab, start=at(day, "13:00")).takes_whole_room is True
    assert during_session.status_code == 409
    assert during_session.json()["conflicts"] == [span(day, "13:30", "14:00")]


def test_availability_gives_seats_left_per_span(user_api, day):
    room = RoomFactory(
        booking_mode=BookingMode.SEATS,
        capacity=4,
        location=LocationFactory(hours={day.weekday(): ("09:00", "17:00")}),
    )
    assert book(client_of(), room, day, "10:00", "12:00", 1).status_code == 201
    assert book(client_of(), room, day, "11:00", "13:00", 3).status_code == 201

    response = user_api.get(
        f"/api/v1/rooms/{room.slug}/availability/",
        {"start": f"{day}T00:00", "end": f"{day}T23:59"},
    )

    assert response.status_code == 200
    assert response.json()["free"] == [
        {**span(day, "09:00", "10:00"), "seats_left": 4},
        {**span(day, "10:00", "11:00"), "seats_left": 3},
        {**span(day, "12:00", "13:00"), "seats_left": 1},
        {**span(day, "13:00", "17:00"), "seats_left": 4},
    ]
    assert response.json()["busy"] == [span(day, "11:00", "12:00")]


def test_free_room_search_lists_a_seats_room_only_with_enough_seats(user_api, day):
    lab = RoomFactory(booking_mode=BookingMode.SEATS, capacity=4, slug="lab")
    RoomFactory(capacity=4, slug="whole")
    assert book(client_of(), lab, day, "10:00", "11:00", 2).status_code == 201
    assert book(client_of(), lab, day, "10:30", "12:00", 1).status_code == 201

    def found(people, start="10:00", end="12:00"):
        response = user_api.get(
            "/api/v1/rooms/",
            {"capacity": people, "free_from": at(day, start), "free_until": at(day, end)},
        )
        assert response.status_code == 200
        return sorted(room["slug"] for room in response.json()["results"])

    assert found(1) == ["lab", "whole"]
    assert found(2) == ["whole"]  # 10:30-11:00 holds 3 of 4
    assert found(2, "11:00", "12:00") == ["lab", "whole"]
    assert found(4, "11:00", "12:00") == ["whole"]
    assert found(3, "12:00", "13:00") == ["lab", "whole"]


def test_room_api_reads_and_writes_the_booking_mode(manager_api, user_api, room):
    changed = manager_api.patch(
        f"/api/v1/rooms/{room.slug}/",
        {"booking_mode": "seats", "desks": ["A1", "A2"]},
        format="json",
    )
    refused = user_api.patch(f"/api/v1/rooms/{room.slug}/", {"booking_mode": "room"}, format="json")
    unknown = manager_api.patch(
        f"/api/v1/rooms/{room.slug}/", {"booking_mode": "desks"}, format="json"
    )

    assert changed.status_code == 200
    assert (changed.json()["booking_mode"], changed.json()["desks"]) == ("seats", ["A1", "A2"])
    assert refused.status_code == 403
    assert unknown.status_code == 400
    assert "booking_mode" in unknown.json()
    assert user_api.get(f"/api/v1/rooms/{room.slug}/").json()["booking_mode"] == "seats"


def test_room_page_and_day_grid_show_seats_left(client, day):
    lab = RoomFactory(
        booking_mode=BookingMode.SEATS, capacity=4, name="Redactielab", desks=["Bureau 1"]
    )
    assert book(client_of(), lab, day, "10:00", "11:00", 3).status_code == 201

    page = client.get(f"/en/rooms/{lab.slug}/?week={day}")
    listed = client.get("/en/rooms/")
    grid = client.get(f"/en/rooms/day/?location={lab.location.slug}&day={day}")

    assert "Bureau 1" in page.content.decode()
    assert "4 seats" in page.content.decode()
    assert "1 seat left" in page.content.decode()  # the week view, 10:00-11:00
    assert "4 seats" in listed.content.decode()
    html = grid.content.decode()
    assert "1 seat left" in html
    assert "4 seats left" in html


# Parallel requests for the last seats, each on its own database connection.


def _rush_for_seats(room, day, count):
    users = [UserFactory() for _ in range(count)]

    def request(index):
        return client_of(users[index]).post(
            "/api/v1/bookings/",
            {"room": room.slug, **span(day, "10:00", "11:00"), "attendees": 1},
            format="json",
        )

    return run_parallel(request, count)


@pytest.mark.django_db(transaction=True)
def test_a_rush_for_the_last_seats_grants_exactly_the_capacity():
    day = next_monday()
    lab = RoomFactory(booking_mode=BookingMode.SEATS, capacity=5)

    responses = _rush_for_seats(lab, day, 12)

    assert sorted(r.status_code for r in responses) == [201] * 5 + [409] * 7
    assert Booking.objects.live().filter(room=lab).count() == 5


@pytest.mark.django_db(transaction=True)
def test_the_room_lock_keeps_a_paused_rush_to_the_capacity(monkeypatch):
    pause_booking_statement(monkeypatch, lock=True)
    day = next_monday()
    lab = RoomFactory(booking_mode=BookingMode.SEATS, capacity=3)

    responses = _rush_for_seats(lab, day, 8)

    assert sorted(r.status_code for r in responses) == [201] * 3 + [409] * 5
    assert Booking.objects.filter(room=lab).count() == 3
    # Each loser waited for the lock, then counted the winners' seats.
    refusals = [r.json() for r in responses if r.status_code == 409]
    assert all(body["conflicts"] == [span(day, "10:00", "11:00")] for body in refusals)


@pytest.mark.django_db(transaction=True)
def test_control_without_the_room_lock_a_rush_oversells_the_seats(monkeypatch):
    """No exclusion constraint covers seats: without the lock each statement counts the
    seats in its own snapshot, and every one sees room."""
    pause_booking_statement(monkeypatch, lock=False)
    day = next_monday()
    lab = RoomFactory(booking_mode=BookingMode.SEATS, capacity=3)

    responses = _rush_for_seats(lab, day, 8)

    assert [r.status_code for r in responses] == [201] * 8
    assert Booking.objects.filter(room=lab).count() == 8


def test_booking_seats_on_the_room_page_in_dutch(user_client, day):
    from tests.booking.test_pages import form_data

    lab = RoomFactory(booking_mode=BookingMode.SEATS, capacity=4, name="Redactielab")
    assert book(client_of(), lab, day, "10:00", "11:00", 3).status_code == 201

    made = user_client.post(f"/rooms/{lab.slug}/", form_data(day, attendees=1))
    full = user_client.post(f"/rooms/{lab.slug}/", form_data(day, attendees=1))

    assert made.status_code == 302
    assert Booking.objects.get(user=user_client.user).seats == 1
    html = full.content.decode()
    assert "Redactielab is vol van" in html
    assert "Kies een andere tijd." in html


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"is_active": False}, "This room cannot be booked at the moment."),
        ({"booking_mode": BookingMode.ROOM}, "Redactielab was changed a moment ago."),
    ],
)
def test_a_room_changed_after_it_was_read_refuses_without_booking(lab, day, change, message):
    from booking import selectors
    from booking.errors import BookingError
    from booking.models import Room
    from booking.services import create_booking

    user = UserFactory()
    read = selectors.room_for_booking(user, slug=lab.slug)
    Room.objects.filter(pk=lab.pk).update(**change)

    with pytest.raises(BookingError) as refused:
        create_booking(user=user, room=read, start=at(day, "10:00"), end=at(day, "11:00"), title="")

    assert str(refused.value.message).startswith(message)
    assert not Booking.objects.exists()


def test_a_move_into_the_time_a_seats_room_is_held_whole_finds_it_full(lab, day):
    # Held whole on behalf for one person: all four seats are taken, not one.
    create_booking(
        user=UserFactory(),
        room=lab,
        start=at(day, "10:00"),
        end=at(day, "11:00"),
        title="Sessie",
        on_behalf=True,
    )
    owner = UserFactory()
    mine = book(client_of(owner), lab, day, "13:00", "14:00").json()

    response = client_of(owner).patch(
        f"/api/v1/bookings/{mine['id']}/", span(day, "10:30", "11:30"), format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Redactielab is full from {rules_label(day, '10:30')} to "
        f"{rules_label(day, '11:00')}. Choose another time.",
        "conflicts": [span(day, "10:30", "11:00")],
    }
    assert Booking.objects.get(pk=mine["id"]).start == at(day, "13:00")
