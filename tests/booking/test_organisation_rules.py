"""Room rules that allow or refuse organisations, beside affiliations: the booking API, the
free-room search, the admin and the room detail all follow them."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import Organisation
from booking.models import Booking, Room
from tests.booking.conftest import at
from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def book(user, room, day):
    return api_for(user).post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": at(day, "10:00").isoformat()}
        | {"end": at(day, "11:00").isoformat(), "title": "Opname"},
        format="json",
    )


def search(user, day):
    response = api_for(user).get(
        "/api/v1/rooms/", {"free_from": f"{day}T10:00", "free_until": f"{day}T11:00"}
    )
    return sorted(room["slug"] for room in response.json()["results"])


@pytest.fixture
def mbo():
    return OrganisationFactory(name="MBO College Hilversum", slug="mbo-college-hilversum")


def test_room_refusing_an_organisation_refuses_its_members_bookings_with_403(mbo, day):
    room = RoomFactory(bookable_by=["hu", "partner"], organisations_refused=[mbo.pk])
    member = UserFactory(affiliation="partner", organisation=mbo)
    other_partner = UserFactory(affiliation="partner", organisation=OrganisationFactory())

    refused = book(member, room, day)
    control = book(other_partner, room, day)

    assert refused.status_code == 403
    assert refused.json() == {
        "detail": f"{room.name} cannot be booked by members of your organisation."
    }
    assert control.status_code == 201
    assert list(Booking.objects.values_list("user", flat=True)) == [other_partner.pk]


def test_room_allowing_an_organisation_lets_its_members_book_beside_the_affiliations(mbo, day):
    room = RoomFactory(bookable_by=["hu"], organisations_allowed=[mbo.pk])
    member = UserFactory(affiliation="partner", organisation=mbo)
    other_partner = UserFactory(affiliation="partner", organisation=OrganisationFactory())

    allowed = book(member, room, day)
    refused = book(other_partner, room, day)

    assert allowed.status_code == 201
    assert refused.status_code == 403
    assert refused.json() == {"detail": f"{room.name} cannot be booked with your affiliation."}


def test_facility_manager_books_a_room_that_refuses_their_organisation(mbo, day):
    room = RoomFactory(organisations_refused=[mbo.pk])
    manager = UserFactory(affiliation="partner", organisation=mbo, groups=["facility_managers"])

    assert book(manager, room, day).status_code == 201


def test_free_room_search_hides_refused_rooms_and_shows_allowed_ones(mbo, day):
    location = LocationFactory()
    RoomFactory(slug="open", location=location, bookable_by=["hu", "partner"])
    RoomFactory(slug="refusing", location=location, organisations_refused=[mbo.pk])
    RoomFactory(slug="allowing", location=location, bookable_by=[], organisations_allowed=[mbo.pk])
    member = UserFactory(affiliation="partner", organisation=mbo)
    hu_person = UserFactory(affiliation="hu")

    assert search(member, day) == ["allowing", "open"]
    assert search(hu_person, day) == ["open", "refusing"]


def test_free_room_search_query_count_is_constant_for_organisation_members(mbo, day):
    member = UserFactory(affiliation="partner", organisation=mbo)
    location = LocationFactory()
    counts = []
    for rooms in (2, 8):
        for _n in range(rooms - Room.objects.count()):
            RoomFactory(location=location, organisations_allowed=[mbo.pk], bookable_by=[])
        assert len(search(member, day)) == rooms  # warm up, as test_query_counts does
        with CaptureQueriesContext(connection) as queries:
            search(member, day)
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_database_refuses_an_organisation_both_allowed_and_refused(mbo):
    with pytest.raises(IntegrityError):
        RoomFactory(organisations_allowed=[mbo.pk], organisations_refused=[mbo.pk])


def test_room_detail_names_the_organisations_of_its_rule(mbo):
    studio = OrganisationFactory(name="Studio Mediapark B.V.", slug="studio-mediapark")
    room = RoomFactory(organisations_allowed=[mbo.pk], organisations_refused=[studio.pk])

    detail = api_for(UserFactory()).get(f"/api/v1/rooms/{room.slug}/").json()

    assert (detail["organisations_allowed"], detail["organisations_refused"]) == (
        [{"slug": "mbo-college-hilversum", "name": "MBO College Hilversum"}],
        [{"slug": "studio-mediapark", "name": "Studio Mediapark B.V."}],
    )


def admin_form(room, **fields):
    data = {
        "slug": room.slug,
        "name": room.name,
        "location": room.location_id,
        "kind": room.kind,
        "capacity": room.capacity,
        "description": "",
        "amenities": "[]",
        "bookable_by": '["hu"]',
        "min_duration_minutes": 30,
        "max_duration_minutes": 480,
        "max_days_ahead": 90,
        "min_notice_minutes": 0,
        "buffer_minutes": 0,
        "booking_mode": "room",
        "release_after_minutes": 15,
        "is_active": "on",
    }
    return data | fields


def test_admin_sets_organisations_of_a_room_rule_and_refuses_one_in_both(client, mbo):
    studio = OrganisationFactory()
    room = RoomFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/en/admin/booking/room/{room.pk}/change/"

    both = client.post(url, admin_form(room, allowed=[mbo.pk], refused=[mbo.pk, studio.pk]))
    saved = client.post(url, admin_form(room, allowed=[mbo.pk], refused=[studio.pk]))

    room.refresh_from_db()
    assert both.status_code == 200
    assert "An organisation cannot be both allowed and refused." in both.content.decode()
    assert saved.status_code == 302
    assert (room.organisations_allowed, room.organisations_refused) == ([mbo.pk], [studio.pk])


def test_deleting_an_organisation_takes_it_out_of_room_rules(mbo):
    kept = OrganisationFactory()
    room = RoomFactory(organisations_allowed=[mbo.pk, kept.pk])

    Organisation.objects.filter(pk=mbo.pk).delete()

    room.refresh_from_db()
    assert room.organisations_allowed == [kept.pk]
