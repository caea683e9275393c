"""Fair-use limits through the API: hours per week, upcoming bookings and days ahead, per
kind of room and group of people; a refusal is a 409 with `code: "quota"`."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.formats import date_format
from rest_framework.test import APIClient

from accounts.models import OutboxMail
from booking import quotas
from booking.errors import BookingError
from booking.models import Booking, FairUseLimit, RoomKind
from booking.services import move_booking, move_following
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.booking.test_concurrency import run_parallel
from tests.factories import EventFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def span(day, start, end):
    return {"start": at(day, start).isoformat(), "end": at(day, end).isoformat()}


def client_of(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def book(user, room, day, start, end, **extra):
    return client_of(user).post(
        "/api/v1/bookings/", {"room": room.slug, **span(day, start, end), **extra}, format="json"
    )


def week_label(day):
    return date_format(day - timedelta(days=day.weekday()), "j F")


@pytest.fixture
def student(db):
    return UserFactory(affiliation="hu")


@pytest.fixture
def labs(db):
    return [RoomFactory(kind=RoomKind.LAB) for _ in range(3)]


def test_hours_per_week_count_every_room_of_the_kind(student, labs, day):
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_hours_per_week=3)
    assert book(student, labs[0], day, "10:00", "12:00").status_code == 201

    refused = book(student, labs[1], day + timedelta(days=2), "10:00", "12:00")
    fits = book(student, labs[1], day + timedelta(days=2), "10:00", "11:00")
    next_week = book(student, labs[2], day + timedelta(days=7), "10:00", "13:00")

    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "You have 1 of 3 hours left for rooms of the kind lab in the week of "
        f"{week_label(day)}, and this asks for 2.",
        "code": "quota",
    }
    assert fits.status_code == 201
    assert next_week.status_code == 201


def test_other_kinds_and_other_people_do_not_count(student, labs, day):
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_hours_per_week=2)
    studio = RoomFactory(kind=RoomKind.STUDIO)

    assert book(student, studio, day, "08:00", "16:00").status_code == 201
    assert book(UserFactory(), labs[0], day, "08:00", "10:00").status_code == 201
    assert book(student, labs[1], day, "10:00", "12:00").status_code == 201


def test_upcoming_bookings_are_limited_until_one_is_cancelled(student, labs, day):
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_future_bookings=2)
    first = book(student, labs[0], day, "10:00", "11:00").json()
    assert book(student, labs[1], day, "12:00", "13:00").status_code == 201

    refused = book(student, labs[2], day, "14:00", "15:00")
    client_of(student).post(f"/api/v1/bookings/{first['id']}/cancel/", {}, format="json")
    after_cancelling = book(student, labs[2], day, "14:00", "15:00")

    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "You can have 2 upcoming bookings of rooms of the kind lab and have 0 left, "
        "but this asks for 1. Cancel one, or book again once one is over.",
        "code": "quota",
    }
    assert after_cancelling.status_code == 201


def test_days_ahead(student, labs):
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_days_ahead=14)
    far = next_monday(weeks_ahead=3)

    refused = book(student, labs[0], far, "10:00", "11:00")
    near = book(student, labs[0], next_monday(), "10:00", "11:00")

    assert refused.status_code == 409
    assert refused.json()["code"] == "quota"
    assert refused.json()["detail"].startswith(
        "You can book rooms of the kind lab at most 14 days ahead: choose a day up to "
    )
    assert near.status_code == 201


def test_the_most_specific_limit_holds(labs, day):
    organisation = OrganisationFactory(affiliation="partner")
    member = UserFactory(affiliation="partner", organisation=organisation)
    partner = UserFactory(affiliation="partner")
    anyone = UserFactory(affiliation="hu")
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_future_bookings=1)
    FairUseLimit.objects.create(
        room_kind=RoomKind.LAB, affiliation="partner", max_future_bookings=2
    )
    FairUseLimit.objects.create(
        room_kind=RoomKind.LAB, organisation=organisation, max_future_bookings=3
    )

    def made(user):
        hours = [("08:00", "09:00"), ("10:00", "11:00"), ("12:00", "13:00"), ("14:00", "15:00")]
        codes = [book(user, labs[0], day, *hours[n]).status_code for n in range(4)]
        Booking.objects.filter(user=user).delete()
        return codes.count(201)

    assert (made(anyone), made(partner), made(member)) == (1, 2, 3)


def test_facility_managers_are_exempt(labs, day):
    manager = UserFactory(groups=["facility_managers"])
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_future_bookings=0)

    assert book(manager, labs[0], day, "10:00", "11:00").status_code == 201


def test_sessions_of_events_are_exempt(labs, day):
    from events.services import SessionSpec, add_session

    organiser = UserFactory(groups=["event_organisers"])
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_future_bookings=0)

    add_session(
        actor=organiser,
        event=EventFactory(owners=[organiser]),
        spec=SessionSpec(start=at(day, "10:00"), end=at(day, "11:00"), room=labs[0]),
    )

    assert Booking.objects.filter(room=labs[0]).count() == 1


def test_a_move_counts_the_new_length_once(student, labs, day):
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_hours_per_week=3)
    mine = book(student, labs[0], day, "10:00", "12:00").json()

    longer = client_of(student).patch(
        f"/api/v1/bookings/{mine['id']}/", span(day, "10:00", "13:00"), format="json"
    )
    too_long = client_of(student).patch(
        f"/api/v1/bookings/{mine['id']}/", span(day, "10:00", "14:00"), format="json"
    )

    assert longer.status_code == 200
    assert too_long.status_code == 409
    assert too_long.json()["code"] == "quota"
    assert "You have 3 of 3 hours left" in too_long.json()["detail"]


def test_a_move_counts_the_bookers_other_bookings(student, labs, day):
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_hours_per_week=3)
    assert book(student, labs[1], day + timedelta(days=1), "09:00", "10:00").status_code == 201
    mine = book(student, labs[0], day, "10:00", "12:00").json()

    longer = client_of(student).patch(
        f"/api/v1/bookings/{mine['id']}/", span(day, "10:00", "13:00"), format="json"
    )

    assert longer.status_code == 409
    assert "You have 2 of 3 hours left" in longer.json()["detail"]


def test_a_facility_manager_or_staff_on_behalf_move_a_booking_past_the_bookers_limit(
    student, labs, day, facility_manager
):
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_hours_per_week=3)
    mine = Booking.objects.get(pk=book(student, labs[0], day, "10:00", "12:00").json()["id"])

    by_manager = move_booking(
        booking=mine, actor=facility_manager, start=at(day, "10:00"), end=at(day, "14:00")
    )
    on_behalf = move_booking(
        booking=mine, actor=UserFactory(), start=at(day, "10:00"), end=at(day, "15:00"),
        on_behalf=True,
    )  # fmt: skip

    assert (by_manager.end, on_behalf.end) == (at(day, "14:00"), at(day, "15:00"))


def test_moving_the_following_occurrences_counts_each_week_for_the_booker(
    student, labs, day, facility_manager
):
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_hours_per_week=3)
    assert book(student, labs[1], day + timedelta(days=1), "09:00", "10:00").status_code == 201
    series = book(student, labs[0], day, "10:00", "11:00", rrule="FREQ=WEEKLY;COUNT=2").json()
    first = Booking.objects.get(pk=series["results"][0]["id"])

    with pytest.raises(BookingError) as refused:
        move_following(booking=first, actor=student, start=at(day, "10:00"), end=at(day, "13:00"))
    moved = move_following(
        booking=first, actor=facility_manager, start=at(day, "10:00"), end=at(day, "14:00")
    )

    assert refused.value.code == "quota"
    assert "You have 2 of 3 hours left" in str(refused.value.message)
    assert [b.end - b.start for b in moved] == [timedelta(hours=4)] * 2


def test_a_series_counts_all_its_occurrences(student, labs, day):
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_future_bookings=3)
    assert book(student, labs[0], day, "08:00", "09:00").status_code == 201

    refused = book(student, labs[1], day, "10:00", "11:00", rrule="FREQ=WEEKLY;COUNT=3")
    fits = book(student, labs[1], day, "10:00", "11:00", rrule="FREQ=WEEKLY;COUNT=2")

    assert refused.status_code == 409
    assert refused.json()["code"] == "quota"
    assert "have 2 left, but this asks for 3" in refused.json()["detail"]
    assert fits.status_code == 201


def test_refusal_in_dutch(student, labs, day):
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_hours_per_week=1)

    response = client_of(student).post(
        "/api/v1/bookings/",
        {"room": labs[0].slug, **span(day, "10:00", "12:00")},
        format="json",
        HTTP_ACCEPT_LANGUAGE="nl",
    )

    assert response.status_code == 409
    assert response.json()["detail"].startswith("Je hebt nog 1 van de 1 uur")


def test_a_booking_under_a_limit_costs_a_lock_and_a_count_more(student, labs, day):
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, affiliation="public", max_future_bookings=0)
    without = CaptureQueriesContext(connection)
    with without:
        assert book(student, labs[0], day, "10:00", "11:00").status_code == 201
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_future_bookings=5)
    with CaptureQueriesContext(connection) as limited:
        assert book(student, labs[0], day, "12:00", "13:00").status_code == 201

    # The limits come with the room: a limit for others costs nothing.
    assert not any("FOR UPDATE" in q["sql"] and "accounts_user" in q["sql"] for q in without)
    # Under a limit: the transaction, the person's lock and the count, around the insert.
    person_locks = [q for q in limited if "FOR UPDATE" in q["sql"] and "accounts_user" in q["sql"]]
    assert len(person_locks) == 1
    assert len(limited) == len(without) + 4  # SAVEPOINT, lock, count, RELEASE


def test_fair_use_limits_are_editable_in_the_admin(admin_client):
    response = admin_client.post(
        "/en/admin/booking/fairuselimit/add/",
        {"room_kind": "lab", "affiliation": "hu", "max_hours_per_week": 6},
    )
    duplicate = admin_client.post(
        "/en/admin/booking/fairuselimit/add/",
        {"room_kind": "lab", "affiliation": "hu", "max_hours_per_week": 8},
    )

    assert response.status_code == 302
    assert duplicate.status_code == 200
    assert "already has a limit" in duplicate.content.decode()
    assert FairUseLimit.objects.get().max_hours_per_week == 6


# One person's parallel requests into different rooms: the room locks do not serialise
# them; the person's row lock does.

PARALLEL = 8


def _rush_into_rooms(monkeypatch, pause):
    day = next_monday()
    student = UserFactory(affiliation="hu")
    rooms = [RoomFactory(kind=RoomKind.LAB) for _ in range(PARALLEL)]
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_future_bookings=3)
    check = quotas.check_quota

    def check_then_wait(*args, **kwargs):
        check(*args, **kwargs)
        pause()  # a wide window between counting and inserting

    monkeypatch.setattr(quotas, "check_quota", check_then_wait)

    def request(index):
        return book(student, rooms[index], day, "10:00", "11:00").status_code

    codes = run_parallel(request, PARALLEL)
    return codes, Booking.objects.filter(user=student).count()


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_of_one_person_keep_to_the_limit(monkeypatch):
    codes, made = _rush_into_rooms(monkeypatch, lambda: time.sleep(0.2))

    assert sorted(codes) == [201] * 3 + [409] * (PARALLEL - 3)
    assert made == 3


@pytest.mark.django_db(transaction=True)
def test_control_without_the_person_lock_parallel_requests_pass_the_limit(monkeypatch):
    monkeypatch.setattr(quotas, "lock_person", lambda user: None)
    everyone_counted = threading.Barrier(PARALLEL)

    codes, made = _rush_into_rooms(monkeypatch, everyone_counted.wait)

    assert codes == [201] * PARALLEL
    assert made == PARALLEL


def test_a_quota_refusal_on_the_room_page_says_what_is_left(user_client, labs, day):
    from tests.booking.test_pages import form_data

    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_hours_per_week=1)

    response = user_client.post(f"/en/rooms/{labs[0].slug}/", form_data(day, end="12:00"))

    assert response.status_code == 200
    assert "You have 1 of 1 hours left for rooms of the kind lab" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_booking_under_a_limit_owes_its_booker_the_created_mail(student, labs, day):
    FairUseLimit.objects.create(room_kind=RoomKind.LAB, max_hours_per_week=3)

    response = book(student, labs[0], day, "10:00", "12:00")

    assert response.status_code == 201
    assert list(OutboxMail.objects.values_list("kind", "payload__booking")) == [
        ("booking.created", response.json()["id"])
    ]
