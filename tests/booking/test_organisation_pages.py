"""/manage/organisations/: staff see each organisation, its members and the rooms it may
book, in Dutch and English, with a query count that does not grow with the lists."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Organisation, SsoIdentifier
from booking.models import Room
from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client):
    client.force_login(UserFactory(groups=["facility_managers"]))
    return client


@pytest.fixture
def mbo():
    mbo = OrganisationFactory(name="MBO College Hilversum", slug="mbo-college-hilversum")
    SsoIdentifier.objects.create(identifier="schac:mbocollegehilversum.nl", organisation=mbo)
    return mbo


def count_queries(client, url) -> int:
    assert client.get(url).status_code == 200  # warm up: roles and the site get cached
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_organisation_list_shows_members_identifiers_and_affiliation(manager_client, mbo):
    UserFactory.create_batch(2, affiliation="partner", organisation=mbo)

    response = manager_client.get("/en/manage/organisations/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "MBO College Hilversum" in html
    assert "schac:mbocollegehilversum.nl" in html
    assert "Media Park partner" in html
    assert 'href="/en/manage/organisations/mbo-college-hilversum/"' in html


def test_organisation_pages_speak_dutch_by_default(manager_client, mbo):
    listing = manager_client.get("/manage/organisations/").content.decode()
    detail = manager_client.get("/manage/organisations/mbo-college-hilversum/").content.decode()

    assert "Organisaties" in listing
    assert "Ruimtes die de leden mogen reserveren" in detail


def test_organisation_detail_lists_members_and_the_rooms_they_may_book(manager_client, mbo):
    lisa = UserFactory(name="Lisa Kok", affiliation="partner", organisation=mbo)
    SocialAccount.objects.create(user=lisa, provider="surfconext", uid="surf-lisa")
    UserFactory(name="Joost Post", affiliation="partner", organisation=mbo)
    UserFactory(name="Not A Member", affiliation="partner")
    location = LocationFactory(name="Mediacentrum")
    RoomFactory(name="Studio 1", location=location, bookable_by=["partner"])
    RoomFactory(
        name="Montageplek", location=location, bookable_by=[], organisations_allowed=[mbo.pk]
    )
    RoomFactory(name="Regiekamer", location=location, organisations_refused=[mbo.pk])
    RoomFactory(name="HU-lab", location=location, bookable_by=["hu"])

    response = manager_client.get("/en/manage/organisations/mbo-college-hilversum/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "2 members" in html
    members = html.split("2 members")[1]
    assert [name in members for name in ("Joost Post", "Lisa Kok", "Not A Member")] == [
        True,
        True,
        False,
    ]
    assert members.index("Joost Post") < members.index("Lisa Kok")
    assert ">SSO</td>" in members
    rooms, refusing = html.split("Rooms its members may book")[1].split("Rooms that refuse")
    assert [name in rooms for name in ("Montageplek", "Studio 1", "Regiekamer", "HU-lab")] == [
        True,
        True,
        False,
        False,
    ]
    assert "Montageplek</a>, Mediacentrum · the room allows this organisation" in rooms
    assert "Studio 1</a>, Mediacentrum · by affiliation" in rooms
    assert "Regiekamer" in refusing.split("2 members")[0]


def test_organisation_pages_are_for_facility_managers_only(client, mbo):
    anonymous = client.get("/en/manage/organisations/")
    client.force_login(UserFactory(groups=["event_organisers"]))

    organiser = client.get("/en/manage/organisations/")
    organiser_detail = client.get("/en/manage/organisations/mbo-college-hilversum/")

    assert anonymous.status_code == 302
    assert (organiser.status_code, organiser_detail.status_code) == (403, 403)


def test_unknown_organisation_is_404(manager_client):
    assert manager_client.get("/en/manage/organisations/nope/").status_code == 404


def test_organisation_list_query_count_does_not_grow(manager_client):
    counts = []
    for total in (3, 9):
        while Organisation.objects.count() < total:
            organisation = OrganisationFactory()
            UserFactory(affiliation="partner", organisation=organisation)
            SsoIdentifier.objects.create(
                identifier=f"schac:school{organisation.pk}.nl", organisation=organisation
            )
        counts.append(count_queries(manager_client, "/en/manage/organisations/"))

    assert counts[0] == counts[1]


def test_organisation_detail_query_count_does_not_grow(manager_client, mbo):
    location = LocationFactory()
    url = "/en/manage/organisations/mbo-college-hilversum/"
    counts = []
    for members, rooms in ((1, 1), (12, 6)):
        for _ in range(members - mbo.members.count()):
            member = UserFactory(affiliation="partner", organisation=mbo)
            SocialAccount.objects.create(user=member, provider="surfconext", uid=member.email)
        while Room.objects.filter(organisations_allowed__contains=[mbo.pk]).count() < rooms:
            RoomFactory(location=location, bookable_by=[], organisations_allowed=[mbo.pk])
            RoomFactory(location=location, organisations_refused=[mbo.pk])
        counts.append(count_queries(manager_client, url))

    assert counts[0] == counts[1]
