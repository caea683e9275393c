"""Events are drafts until published (issue 18, item 7): a new event made on the manage
pages is seen by its managers only, is in no public list or feed, and takes no
registrations, until someone who manages it publishes it."""

import pytest
from django.test import Client

from events.models import Event, Registration
from tests.events.conftest import api_for
from tests.factories import ProgrammeFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return UserFactory(groups=["event_organisers"])


@pytest.fixture
def draft(alice):
    client = Client()
    client.force_login(alice)
    response = client.post(
        "/en/manage/events/new/",
        {
            "slug": "green-screen",
            "title": "Green screen basics",
            "programme": ProgrammeFactory(slug="campus").pk,
            "kind": "campus_event",
            "theme": "media_campus",
            "audience": ["hu", "public"],
            "capacity": 12,
            "waitlist": "on",
        },
        follow=True,
    )
    assert "saved as a draft" in response.text
    event = Event.objects.get(slug="green-screen")
    SessionFactory(event=event)
    return event


def what_the_public_sees(client) -> dict:
    return {
        "list": "Green screen basics" in client.get("/en/events/").text,
        "programme": "Green screen basics" in client.get("/en/events/?programme=campus").text,
        "page": client.get("/en/events/green-screen/").status_code,
        "api list": [e["slug"] for e in client.get("/api/v1/events/").json()["results"]],
        "api detail": client.get("/api/v1/events/green-screen/").status_code,
        "feed": "Green screen basics" in client.get("/feeds/events.ics").text,
        "event feed": client.get("/feeds/events/green-screen.ics").status_code,
        "home": "Green screen basics" in client.get("/en/").text,
    }


HIDDEN = {
    "list": False,
    "programme": False,
    "page": 404,
    "api list": [],
    "api detail": 404,
    "feed": False,
    "event feed": 404,
    "home": False,
}
SHOWN = {
    "list": True,
    "programme": True,
    "page": 200,
    "api list": ["green-screen"],
    "api detail": 200,
    "feed": True,
    "event feed": 200,
    "home": True,
}


def test_a_new_event_is_a_draft_that_nobody_else_sees_or_registers_for(draft, client):
    student = UserFactory(affiliation="hu")
    assert not draft.published
    assert what_the_public_sees(client) == HIDDEN

    refused = api_for(student).post("/api/v1/events/green-screen/register/")
    client.force_login(student)
    page = client.post("/en/events/green-screen/register/")

    assert refused.status_code == 404
    assert refused.json() == {"detail": "This event is not published yet."}
    assert page.status_code in (302, 404)
    assert Registration.objects.count() == 0


def test_its_managers_see_the_draft_and_publish_it(draft, alice, client):
    client.force_login(alice)
    page = client.get("/en/events/green-screen/").text
    manage = client.get("/en/manage/events/green-screen/").text
    mine = api_for(alice).get("/api/v1/events/").json()["results"]

    assert "Draft: only the event" in page
    assert "Registration opens when the event is published." in page
    assert 'action="/en/events/green-screen/register/"' not in page
    assert 'action="/en/manage/events/green-screen/publish/"' in manage
    assert [(e["slug"], e["published"]) for e in mine] == [("green-screen", False)]

    published = client.post("/en/manage/events/green-screen/publish/", follow=True)

    assert "The event is published" in published.text
    draft.refresh_from_db()
    assert draft.published
    assert what_the_public_sees(Client()) == SHOWN
    registered = api_for(UserFactory(affiliation="hu")).post(
        "/api/v1/events/green-screen/register/"
    )
    assert registered.status_code == 201


def test_only_its_managers_may_publish(draft):
    bob = Client()
    bob.force_login(UserFactory(groups=["event_organisers"]))

    response = bob.post("/en/manage/events/green-screen/publish/")

    assert response.status_code == 403
    draft.refresh_from_db()
    assert not draft.published


def test_the_api_publishes_at_once_unless_told_otherwise(alice):
    api = api_for(alice)
    body = {
        "title": "Podcast",
        "kind": "campus_event",
        "theme": "media_campus",
        "programme": ProgrammeFactory().slug,
        "capacity": 10,
    }

    at_once = api.post("/api/v1/events/", {**body, "slug": "at-once"}, format="json")
    kept = api.post("/api/v1/events/", {**body, "slug": "kept", "published": False}, format="json")
    published = api.patch("/api/v1/events/kept/", {"published": True}, format="json")

    assert (at_once.status_code, at_once.json()["published"]) == (201, True)
    assert (kept.status_code, kept.json()["published"]) == (201, False)
    assert published.json()["published"] is True
