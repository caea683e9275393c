"""Sessions in rooms hold the room through booking's engine: no overlap in either order."""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import Booking
from events.models import Event, Session
from tests.booking.factories import RoomFactory
from tests.events.conftest import api_for, future
from tests.factories import ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(db):
    return ProgrammeFactory(slug="dmw-2026", name="Dutch Media Week 2026")


@pytest.fixture
def lab(db):
    return RoomFactory(slug="xr-lab", name="XR Lab")


def event_body(**extra):
    start = future()
    body = {
        "slug": "xr-masterclass",
        "title": "XR masterclass",
        "kind": "dmw_session",
        "theme": "media_ict",
        "programme": "dmw-2026",
        "capacity": 30,
        "sessions": [
            {
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
                "room": "xr-lab",
            }
        ],
    }
    body.update(extra)
    return body


def lab_booking(room, start, end, user=None):
    user = user or UserFactory(affiliation="hu")
    return api_for(user).post(
        "/api/v1/bookings/",
        {
            "room": room.slug,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "title": "Student shoot",
            "attendees": 2,
        },
        format="json",
    )


def test_create_event_with_room_session_books_the_room(organiser_api, programme, lab):
    response = organiser_api.post("/api/v1/events/", event_body(), format="json")

    assert response.status_code == 201
    session = Session.objects.get()
    booking = session.booking
    assert (booking.room, booking.start, booking.end) == (lab, session.start, session.end)
    assert (booking.title, booking.public_title, booking.status) == (
        "XR masterclass",
        True,
        "confirmed",
    )
    # The room is the event's: not in the organiser's bookings, not theirs to cancel.
    assert booking.user is None
    assert response.json()["sessions"][0]["room"] == "xr-lab"
    assert response.json()["sessions"][0]["location"] == f"XR Lab, {lab.location.name}"


def test_lab_booking_on_top_of_session_is_refused(organiser_api, programme, lab):
    organiser_api.post("/api/v1/events/", event_body(), format="json")
    session = Session.objects.get()

    response = lab_booking(
        lab, session.start + timedelta(minutes=30), session.end + timedelta(hours=1)
    )

    assert response.status_code == 409
    assert response.json()["conflicts"] == [
        {
            "start": timezone.localtime(session.start).isoformat(),
            "end": timezone.localtime(session.end).isoformat(),
        }
    ]
    assert Booking.objects.count() == 1


def test_session_on_top_of_lab_booking_is_conflict_naming_the_clash(organiser_api, programme, lab):
    start = future()
    lab_booking(lab, start + timedelta(hours=1), start + timedelta(hours=3))

    response = organiser_api.post("/api/v1/events/", event_body(), format="json")

    assert response.status_code == 409
    body = response.json()
    assert "XR Lab is already booked" in body["detail"]
    assert body["conflicts"] == [
        {
            "start": (start + timedelta(hours=1)).isoformat(),
            "end": (start + timedelta(hours=3)).isoformat(),
        }
    ]
    # All or nothing: no event, no session, no booking of the event.
    assert Event.objects.count() == 0
    assert Booking.objects.count() == 1


def test_moving_session_onto_lab_booking_is_conflict_and_changes_nothing(
    organiser_api, programme, lab
):
    organiser_api.post("/api/v1/events/", event_body(), format="json")
    session = Session.objects.get()
    other = future(days=8)
    lab_booking(lab, other, other + timedelta(hours=2))

    response = organiser_api.patch(
        "/api/v1/events/xr-masterclass/",
        {
            "sessions": [
                {
                    "id": session.pk,
                    "start": other.isoformat(),
                    "end": (other + timedelta(hours=1)).isoformat(),
                    "room": "xr-lab",
                }
            ]
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["conflicts"] == [
        {"start": other.isoformat(), "end": (other + timedelta(hours=2)).isoformat()}
    ]
    session.refresh_from_db()
    assert session.booking.start == session.start != other


def test_moving_session_moves_its_booking(organiser_api, programme, lab):
    organiser_api.post("/api/v1/events/", event_body(), format="json")
    session = Session.objects.get()
    old_start = session.start
    new_start = future(days=9, hour=13)

    response = organiser_api.patch(
        "/api/v1/events/xr-masterclass/",
        {
            "sessions": [
                {
                    "id": session.pk,
                    "start": new_start.isoformat(),
                    "end": (new_start + timedelta(hours=1)).isoformat(),
                    "room": "xr-lab",
                }
            ]
        },
        format="json",
    )

    assert response.status_code == 200
    session.refresh_from_db()
    assert (session.booking.start, session.booking.sequence) == (new_start, 1)
    # The old slot is free for a lab booking again.
    assert lab_booking(lab, old_start, old_start + timedelta(hours=1)).status_code == 201


def test_moving_session_to_another_room_swaps_the_booking(organiser_api, programme, lab):
    organiser_api.post("/api/v1/events/", event_body(), format="json")
    session = Session.objects.get()
    old_booking = session.booking
    studio = RoomFactory(slug="studio-1", location=lab.location)

    organiser_api.patch(
        "/api/v1/events/xr-masterclass/",
        {
            "sessions": [
                {
                    "id": session.pk,
                    "start": session.start.isoformat(),
                    "end": session.end.isoformat(),
                    "room": "studio-1",
                }
            ]
        },
        format="json",
    )

    session.refresh_from_db()
    old_booking.refresh_from_db()
    assert old_booking.status == "cancelled"
    assert (session.room, session.booking.room, session.booking.status) == (
        studio,
        studio,
        "confirmed",
    )


def test_removing_a_session_frees_the_room(organiser_api, programme, lab):
    organiser_api.post("/api/v1/events/", event_body(), format="json")
    session = Session.objects.get()
    booking = session.booking

    response = organiser_api.patch(
        "/api/v1/events/xr-masterclass/", {"sessions": []}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["sessions"] == []
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert lab_booking(lab, session.start, session.end).status_code == 201


def test_session_outside_opening_hours_is_bad_request(organiser_api, programme, lab):
    start = future(hour=5)
    body = event_body(
        sessions=[
            {
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "room": "xr-lab",
            }
        ]
    )

    response = organiser_api.post("/api/v1/events/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["sessions"]
    assert Event.objects.count() == 0


def test_session_with_unknown_room_is_bad_request(organiser_api, programme):
    response = organiser_api.post("/api/v1/events/", event_body(), format="json")

    assert response.status_code == 400
    assert response.json() == {"sessions": ["Unknown room xr-lab."]}
    assert (Event.objects.count(), Session.objects.count(), Booking.objects.count()) == (0, 0, 0)


def test_session_in_dst_gap_is_bad_request(organiser_api, programme, lab):
    body = event_body(
        sessions=[{"start": "2027-03-28T02:30", "end": "2027-03-28T04:00", "room": None}]
    )

    response = organiser_api.post("/api/v1/events/", body, format="json")

    assert response.status_code == 400
    assert "does not exist in Europe/Amsterdam" in str(response.json()["sessions"])
    assert (Event.objects.count(), Session.objects.count(), Booking.objects.count()) == (0, 0, 0)


def test_session_at_outside_place_books_nothing(organiser_api, programme):
    start = future()
    body = event_body(
        sessions=[
            {
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "room": None,
                "location_text": "Beeld en Geluid, Hilversum",
            }
        ]
    )

    response = organiser_api.post("/api/v1/events/", body, format="json")

    assert response.status_code == 201
    assert response.json()["sessions"][0]["location"] == "Beeld en Geluid, Hilversum"
    assert Booking.objects.count() == 0


def test_renaming_event_renames_room_bookings(organiser_api, programme, lab):
    organiser_api.post("/api/v1/events/", event_body(), format="json")

    organiser_api.patch("/api/v1/events/xr-masterclass/", {"title": "XR for journalists"})

    assert Booking.objects.get().title == "XR for journalists"


def test_plain_user_cannot_create_events(user_api, programme, lab):
    response = user_api.post("/api/v1/events/", event_body(), format="json")

    assert response.status_code == 403
    assert Booking.objects.count() == 0


def two_sessions_back_to_back(organiser_api, room_slug="xr-lab"):
    """An event with sessions 10-11 and 11-12 in one room; returns them in that order."""
    start = future()
    slot = timedelta(hours=1)
    body = event_body(
        sessions=[
            {
                "start": (start + n * slot).isoformat(),
                "end": (start + (n + 1) * slot).isoformat(),
                "room": room_slug,
            }
            for n in range(2)
        ]
    )
    assert organiser_api.post("/api/v1/events/", body, format="json").status_code == 201
    return list(Session.objects.order_by("start"))


def session_spec(session, start, end, room="xr-lab"):
    return {"id": session.pk, "start": start.isoformat(), "end": end.isoformat(), "room": room}


def test_swapping_two_sessions_in_one_room_in_one_save_moves_both(organiser_api, programme, lab):
    # Each new slot is the other's old one: moved one by one, the first would clash.
    first, second = two_sessions_back_to_back(organiser_api)

    response = organiser_api.patch(
        "/api/v1/events/xr-masterclass/",
        {
            "sessions": [
                session_spec(first, second.start, second.end),
                session_spec(second, first.start, first.end),
            ]
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    moved_first = Session.objects.get(pk=first.pk)
    moved_second = Session.objects.get(pk=second.pk)
    assert (moved_first.start, moved_second.start) == (second.start, first.start)
    # The same room bookings moved (same UIDs in the room feed), one sequence step each.
    assert (moved_first.booking_id, moved_first.booking.start) == (first.booking_id, second.start)
    assert (moved_second.booking_id, moved_second.booking.start) == (
        second.booking_id,
        first.start,
    )
    assert Booking.objects.filter(status="confirmed").count() == 2


def test_moving_two_sessions_onto_one_slot_is_conflict_and_changes_nothing(
    organiser_api, programme, lab
):
    first, second = two_sessions_back_to_back(organiser_api)
    later = first.start + timedelta(hours=4)

    response = organiser_api.patch(
        "/api/v1/events/xr-masterclass/",
        {
            "sessions": [
                session_spec(first, later, later + timedelta(hours=1)),
                session_spec(second, later, later + timedelta(hours=1)),
            ]
        },
        format="json",
    )

    assert response.status_code == 409
    local = timezone.localtime(later)
    assert response.json()["conflicts"] == [
        {"start": local.isoformat(), "end": (local + timedelta(hours=1)).isoformat()}
    ]
    assert [(s.start, s.booking.start) for s in Session.objects.order_by("start")] == [
        (first.start, first.start),
        (second.start, second.start),
    ]


def test_new_session_may_take_the_slot_another_leaves_in_the_same_save(
    organiser_api, programme, lab
):
    first, second = two_sessions_back_to_back(organiser_api)
    later = first.start + timedelta(hours=4)

    response = organiser_api.patch(
        "/api/v1/events/xr-masterclass/",
        {
            "sessions": [
                # A new session in the slot `second` leaves, listed before it moves.
                {
                    "start": second.start.isoformat(),
                    "end": second.end.isoformat(),
                    "room": "xr-lab",
                },
                session_spec(first, first.start, first.end),
                session_spec(second, later, later + timedelta(hours=1)),
            ]
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert sorted(s.start for s in Session.objects.all()) == [first.start, second.start, later]


def test_database_refuses_a_rearrangement_that_ends_in_overlap_even_unchecked(
    organiser_api, programme, lab, monkeypatch
):
    # The deferred exclusion constraint is the last word, should the services' checks miss.
    from booking import rules

    monkeypatch.setattr(rules, "check_no_clash", lambda *args, **kwargs: None)
    first, second = two_sessions_back_to_back(organiser_api)
    later = first.start + timedelta(hours=4)

    response = organiser_api.patch(
        "/api/v1/events/xr-masterclass/",
        {
            "sessions": [
                session_spec(first, later, later + timedelta(hours=1)),
                session_spec(second, later, later + timedelta(hours=1)),
            ]
        },
        format="json",
    )

    assert response.status_code == 409
    assert "a moment ago" in response.json()["detail"]
    assert [s.booking.start for s in Session.objects.order_by("start")] == [
        first.start,
        second.start,
    ]
    # Afterwards the check is immediate again: a plain booking on a session is refused at once.
    assert lab_booking(lab, first.start, first.end).status_code == 409


def test_erasing_the_organiser_keeps_the_session_room_held(client, organiser_api, programme, lab):
    organiser = organiser_api.user
    organiser_api.post("/api/v1/events/", event_body(), format="json")
    session = Session.objects.get()
    own_start = session.start + timedelta(days=1)
    lab_booking(lab, own_start, own_start + timedelta(hours=1), user=organiser)
    client.force_login(organiser)

    erased = client.post("/en/my/erase/", {"confirm": "on"})
    on_top = lab_booking(lab, session.start, session.end)

    session.refresh_from_db()
    own = Booking.objects.exclude(pk=session.booking_id).get(start=own_start)
    assert erased.status_code == 302
    assert session.booking.status == "confirmed"
    assert session.booking.user is None
    assert on_top.status_code == 409
    # Control: the organiser's own booking is theirs to lose, and is cancelled.
    assert own.status == "cancelled"
