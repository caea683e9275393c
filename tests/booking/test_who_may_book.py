"""A room a person may not book says so up front, and who may (issue 18, item 1): no form
to fill in only to be refused after sending it."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.booking.factories import RoomFactory
from tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(client, **fields):
    user = UserFactory(**fields)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.force_login(user)
    return user


@pytest.fixture
def hu_lab():
    mbo = OrganisationFactory(name="MBO College Hilversum")
    return RoomFactory(
        slug="hu-lab", name="HU-lab", bookable_by=["hu"], organisations_allowed=[mbo.pk]
    )


def test_the_room_page_says_who_may_book_instead_of_a_form(client, hu_lab):
    signed_in(client, affiliation="public")

    html = client.get("/en/rooms/hu-lab/").text

    assert "You cannot book this room." in html
    assert "Who may book it: Hogeschool Utrecht and MBO College Hilversum." in html
    assert 'name="start_date"' not in html
    assert 'href="#book-heading">Book this room' not in html


def test_someone_who_may_book_gets_the_form_control(client, hu_lab):
    signed_in(client, affiliation="hu")

    html = client.get("/en/rooms/hu-lab/").text

    assert "Who may book it" not in html
    assert 'name="start_date"' in html


def test_a_facility_manager_may_book_every_room(client, hu_lab):
    signed_in(client, affiliation="public", groups=["facility_managers"])

    assert 'name="start_date"' in client.get("/en/rooms/hu-lab/").text


def test_the_room_list_names_who_may_book_in_dutch_too(client, hu_lab):
    RoomFactory(slug="open", name="Open ruimte", bookable_by=["hu", "public"])
    signed_in(client, affiliation="public")

    html = client.get("/rooms/").text

    assert re.search(
        r"Deze ruimte kun je niet reserveren\.\s+Wie mag reserveren: "
        r"Hogeschool Utrecht en MBO College Hilversum\.",
        html,
    )
    assert html.count("Wie mag reserveren") == 1


def test_the_room_list_asks_one_query_for_who_may_book_whatever_the_rooms(client):
    signed_in(client, affiliation="public")
    RoomFactory(bookable_by=["hu"], organisations_allowed=[OrganisationFactory().pk])
    client.get("/en/rooms/")
    with CaptureQueriesContext(connection) as one:
        client.get("/en/rooms/")
    for _ in range(5):
        RoomFactory(bookable_by=["hu"], organisations_allowed=[OrganisationFactory().pk])

    with CaptureQueriesContext(connection) as six:
        html = client.get("/en/rooms/").text

    assert html.count("Who may book it") == 6
    assert len(six) == len(one)
