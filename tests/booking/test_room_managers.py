"""Room and location managers: named people or groups approve, decline and close their rooms
and see their bookings; facility managers keep everything (issue 14)."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import OutboxMail
from booking.models import Booking, BookingStatus, Closure
from tests.booking.conftest import at
from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def request_booking(user, room, day, hour="10:00", until="11:00") -> int:
    response = api_for(user).post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": at(day, hour).isoformat(), "end": at(day, until).isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


@pytest.fixture
def studio(db):
    return RoomFactory(requires_approval=True, name="Studio Mediapark")


@pytest.fixture
def other_studio(studio):
    # Same location, not named: its manager is the facility managers' business.
    return RoomFactory(requires_approval=True, name="Regiekamer", location=studio.location)


@pytest.fixture
def studio_manager(studio):
    manager = UserFactory(language="en")
    studio.managers.add(manager)
    return manager


def status_of(booking_id) -> str:
    return Booking.objects.get(pk=booking_id).status


def test_room_manager_approves_only_their_rooms_through_the_api(
    studio, other_studio, studio_manager, day
):
    booker = UserFactory()
    theirs = request_booking(booker, studio, day)
    not_theirs = request_booking(booker, other_studio, day)
    api = api_for(studio_manager)

    refused = api.post(f"/api/v1/bookings/{not_theirs}/approve/")
    approved = api.post(f"/api/v1/bookings/{theirs}/approve/")

    # Another room's booking is not theirs to see, so there is no such booking for them.
    assert refused.status_code == 404
    assert status_of(not_theirs) == BookingStatus.PENDING
    assert approved.status_code == 200
    assert status_of(theirs) == BookingStatus.CONFIRMED


def test_room_manager_declines_on_the_page_and_gets_403_for_another_room(
    client, studio, other_studio, studio_manager, day
):
    booker = UserFactory()
    theirs = request_booking(booker, studio, day)
    not_theirs = request_booking(booker, other_studio, day)
    client.force_login(studio_manager)

    page = client.get("/en/manage/bookings/")
    refused = client.post(f"/en/manage/bookings/{not_theirs}/decline/")
    declined = client.post(f"/en/manage/bookings/{theirs}/decline/")

    assert page.status_code == 200
    # The queue shows the manager's rooms only.
    assert "Studio Mediapark" in page.text
    assert "Regiekamer" not in page.text
    assert refused.status_code == 403
    assert status_of(not_theirs) == BookingStatus.PENDING
    assert declined.status_code == 302
    assert status_of(theirs) == BookingStatus.DECLINED


@pytest.mark.parametrize("named_on", ["room", "location"])
def test_a_group_named_on_the_room_or_its_location_manages_it(studio, day, named_on):
    team = Group.objects.create(name="Studio Mediapark B.V. beheer")
    member = UserFactory()
    member.groups.add(team)
    (studio if named_on == "room" else studio.location).manager_groups.add(team)
    booking_id = request_booking(UserFactory(), studio, day)

    response = api_for(member).post(f"/api/v1/bookings/{booking_id}/approve/")

    assert response.status_code == 200
    assert status_of(booking_id) == BookingStatus.CONFIRMED


def test_a_location_manager_manages_every_room_of_the_location(studio, other_studio, day):
    manager = UserFactory()
    studio.location.managers.add(manager)
    elsewhere = RoomFactory(requires_approval=True)  # another location
    ids = [request_booking(UserFactory(), room, day) for room in (studio, other_studio)]
    elsewhere_id = request_booking(UserFactory(), elsewhere, day)
    api = api_for(manager)

    assert [api.post(f"/api/v1/bookings/{pk}/approve/").status_code for pk in ids] == [200, 200]
    assert api.post(f"/api/v1/bookings/{elsewhere_id}/approve/").status_code == 404


def test_a_request_mails_the_rooms_managers_not_the_facility_managers(
    studio, studio_manager, facility_manager, day, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_booking(UserFactory(language="en"), studio, day)

    to_manager = [m for m in mail.outbox if m.to == [studio_manager.email]]
    assert [m.subject for m in to_manager] == ["Approval needed: Studio Mediapark"]
    assert "/manage/bookings/" in to_manager[0].body
    assert not [m for m in mail.outbox if m.to == [facility_manager.email]]


def test_a_request_in_a_room_without_managers_mails_the_facility_managers(
    other_studio, studio_manager, facility_manager, day, django_capture_on_commit_callbacks
):
    facility_manager.language = "en"
    facility_manager.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        request_booking(UserFactory(language="en"), other_studio, day)

    assert [m.subject for m in mail.outbox if m.to == [facility_manager.email]] == [
        "Approval needed: Regiekamer"
    ]
    assert not [m for m in mail.outbox if m.to == [studio_manager.email]]


def test_a_series_request_asks_the_managers_once(studio, studio_manager, day):
    response = api_for(UserFactory()).post(
        "/api/v1/bookings/",
        {
            "room": studio.slug,
            "start": at(day, "10:00").isoformat(),
            "end": at(day, "11:00").isoformat(),
            "rrule": "FREQ=WEEKLY;COUNT=3",
        },
        format="json",
    )

    assert response.status_code == 201
    [asked] = OutboxMail.objects.filter(kind="booking.needs_approval")
    assert asked.payload["manager"] == studio_manager.pk
    assert asked.payload["occurrences"] == 3


@pytest.mark.parametrize("named_on", ["room", "location"])
@pytest.mark.parametrize("named_as", ["person", "group"])
def test_a_room_manager_books_their_own_room_without_approval(studio, day, named_on, named_as):
    manager = UserFactory()
    owner = studio if named_on == "room" else studio.location
    if named_as == "person":
        owner.managers.add(manager)
    else:
        team = Group.objects.create(name="Beheer")
        manager.groups.add(team)
        owner.manager_groups.add(team)
    booking_id = request_booking(manager, studio, day)

    assert status_of(booking_id) == BookingStatus.CONFIRMED
    assert not OutboxMail.objects.filter(kind="booking.needs_approval").exists()


def test_a_room_manager_still_asks_approval_in_a_room_they_do_not_manage(
    other_studio, studio_manager, day
):
    assert status_of(request_booking(studio_manager, other_studio, day)) == BookingStatus.PENDING


def test_a_room_manager_sees_their_rooms_bookings_but_cannot_change_them(
    studio, other_studio, studio_manager, day
):
    booker = UserFactory()
    theirs = request_booking(booker, studio, day)
    request_booking(booker, other_studio, day)
    api = api_for(studio_manager)

    listed = api.get("/api/v1/bookings/").json()["results"]
    cancel = api.post(f"/api/v1/bookings/{theirs}/cancel/", {}, format="json")

    assert [b["id"] for b in listed] == [theirs]
    assert cancel.status_code == 403
    assert "approve or decline" in cancel.json()["detail"]
    assert status_of(theirs) == BookingStatus.PENDING


def test_a_plain_user_sees_only_their_own_bookings_control(client, studio, day):
    booker, someone = UserFactory(), UserFactory()
    booking_id = request_booking(booker, studio, day)
    client.force_login(someone)

    assert api_for(someone).get("/api/v1/bookings/").json()["results"] == []
    assert api_for(booker).post(f"/api/v1/bookings/{booking_id}/approve/").status_code == 403
    assert client.get("/en/manage/bookings/").status_code == 403
    assert client.get("/en/manage/").status_code == 403


def test_a_room_manager_closes_their_room_but_not_others_nor_the_location(
    studio, other_studio, studio_manager, day
):
    api = api_for(studio_manager)
    span = {"start": at(day, "08:00").isoformat(), "end": at(day, "18:00").isoformat()}

    own = api.post("/api/v1/closures/", {**span, "room": studio.slug, "reason": "Onderhoud"})
    other = api.post("/api/v1/closures/", {**span, "room": other_studio.slug, "reason": "x"})
    location = api.post(
        "/api/v1/closures/", {**span, "location": studio.location.slug, "reason": "x"}
    )

    assert own.status_code == 201, own.json()
    assert (other.status_code, location.status_code) == (403, 403)
    assert list(Closure.objects.values_list("room__slug", flat=True)) == [studio.slug]


def test_a_location_manager_closes_the_location(studio):
    manager = UserFactory()
    studio.location.managers.add(manager)
    day_span = {"start": "2027-01-04T08:00:00+01:00", "end": "2027-01-04T18:00:00+01:00"}

    response = api_for(manager).post(
        "/api/v1/closures/", {**day_span, "location": studio.location.slug, "reason": "Storing"}
    )

    assert response.status_code == 201, response.json()


def test_the_closures_page_offers_and_removes_only_what_the_manager_manages(
    client, studio, other_studio, studio_manager, day
):
    theirs = Closure.objects.create(room=studio, start=at(day, "08:00"), end=at(day, "09:00"))
    not_theirs = Closure.objects.create(
        room=other_studio, start=at(day, "08:00"), end=at(day, "09:00")
    )
    client.force_login(studio_manager)

    page = client.get("/en/manage/bookings/closures/")
    posted_other = client.post(
        "/en/manage/bookings/closures/",
        {
            "room": other_studio.pk,
            "start": f"{day}T12:00",
            "end": f"{day}T13:00",
            "reason": "x",
        },
    )
    removed_other = client.post(f"/en/manage/bookings/closures/{not_theirs.pk}/delete/")
    removed_own = client.post(f"/en/manage/bookings/closures/{theirs.pk}/delete/")

    assert page.status_code == 200
    assert "Studio Mediapark" in page.text
    assert "Regiekamer" not in page.text
    assert 'name="location"' not in page.text  # a room's manager closes rooms only
    assert posted_other.status_code == 200  # the form again, with the error by the field
    assert "Select a valid choice" in posted_other.text
    assert removed_other.status_code == 404
    assert removed_own.status_code == 302
    assert list(Closure.objects.all()) == [not_theirs]


def test_manage_overview_names_the_rooms_a_manager_manages(client, studio, studio_manager, day):
    request_booking(UserFactory(), studio, day)
    client.force_login(studio_manager)

    page = client.get("/en/manage/")
    nav = client.get("/en/")

    assert page.status_code == 200
    assert "Rooms you manage" in page.text
    assert "Studio Mediapark" in page.text
    assert "1 waits for approval" in page.text
    assert "Organisations: members" not in page.text  # facility managers' only
    assert 'href="/en/manage/"' in nav.text


def test_manage_pages_of_a_room_manager_cost_the_same_whatever_the_number_of_rooms(client, day):
    manager = UserFactory()
    location = LocationFactory()
    client.force_login(manager)
    costs = []
    for rooms in (1, 8):
        added = RoomFactory.create_batch(rooms, requires_approval=True, location=location)
        for room in added:
            room.managers.add(manager)
            request_booking(UserFactory(), room, day)
        cost = []
        for path in ("/en/manage/", "/en/manage/bookings/", "/en/manage/bookings/closures/"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path, {"day": str(day)}).status_code == 200
            cost.append(len(captured))
        costs.append(cost)
    assert costs[0] == costs[1], costs
