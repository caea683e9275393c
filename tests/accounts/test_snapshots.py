"""Bookings and registrations keep who made them as they were then: affiliation, organisation
and the event's theme survive a change of organisation and an erasure (over HTTP)."""

import pytest
from rest_framework.test import APIClient

from booking.models import Booking, BookingStatus
from events.models import Event, Registration
from tests.accounts.test_admin import change
from tests.booking.conftest import at, next_monday
from tests.booking.factories import RoomFactory
from tests.factories import EventFactory, OrganisationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def book(api, room, day, start, end):
    response = api.post(
        "/api/v1/bookings/",
        {"room": room.slug, "start": at(day, start).isoformat(), "end": at(day, end).isoformat()}
        | {"title": "Montage"},
        format="json",
    )
    assert response.status_code == 201, response.content
    return Booking.objects.get(pk=response.json()["id"])


def snapshot(record):
    record.refresh_from_db()
    return (record.affiliation, record.organisation)


def test_snapshots_survive_a_change_of_organisation_and_an_erasure(client):
    mbo = OrganisationFactory(name="MBO College Hilversum")
    studio = OrganisationFactory(name="Studio Mediapark B.V.", kind="company")
    person = UserFactory(affiliation="partner", organisation=mbo)
    api = APIClient()
    api.force_authenticate(person)
    room, day = RoomFactory(), next_monday()
    before = book(api, room, day, "10:00", "11:00")
    event = EventFactory(slug="podcast", theme="media_ict")
    SessionFactory(event=event)
    assert api.post("/api/v1/events/podcast/register/").status_code == 201
    registration = Registration.objects.get(user=person)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    moved = change(client, person, organisation=studio.pk)
    Event.objects.filter(pk=event.pk).update(theme="sustainability")
    person.refresh_from_db()
    after = book(api, room, day, "12:00", "13:00")

    assert moved.status_code == 302
    assert snapshot(before) == ("partner", mbo)
    assert snapshot(registration) == ("partner", mbo)
    assert registration.theme == "media_ict"
    # Control: a booking made after the move carries the new organisation.
    assert snapshot(after) == ("partner", studio)

    client.force_login(person)
    erased = client.post("/en/my/erase/", {"confirm": "on"})

    person.refresh_from_db()
    assert erased.status_code == 302
    assert (person.is_active, person.name, person.organisation) == (False, "", None)
    assert Booking.objects.get(pk=before.pk).status == BookingStatus.CANCELLED
    assert snapshot(before) == ("partner", mbo)
    assert snapshot(after) == ("partner", studio)
    assert (snapshot(registration), registration.theme) == (("partner", mbo), "media_ict")
    assert (registration.user, registration.status) == (None, "cancelled")


def test_registration_on_the_waitlist_keeps_its_snapshot_too():
    hu_person = UserFactory()
    api = APIClient()
    api.force_authenticate(hu_person)
    EventFactory(slug="full", capacity=0, theme="care_education")

    response = api.post("/api/v1/events/full/register/")

    registration = Registration.objects.get()
    assert response.json()["status"] == "waitlisted"
    assert (registration.affiliation, registration.organisation, registration.theme) == (
        "hu",
        None,
        "care_education",
    )
