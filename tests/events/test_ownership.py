"""Who manages which event: owners, co-organisers added by email, programme owners and
event administrators; through the API, the /manage/ pages and the CSV export."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import OutboxMail, User
from accounts.outbox import send_pending_mail
from booking.models import Booking
from events.models import Event, OwnerInvitation
from events.privacy import erase_user_data
from events.services import OWNER_INVITATION
from tests.accounts.test_local_accounts import confirmation_link, sign_up
from tests.booking.factories import RoomFactory
from tests.events.conftest import api_for, future
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return UserFactory(groups=["event_organisers"], name="Alice Organiser", email="a@example.org")


@pytest.fixture
def bob(db):
    return UserFactory(groups=["event_organisers"], name="Bob Organiser", email="b@example.org")


def logged_in(client, user):
    client.force_login(user)
    return client


def create_event(api, slug="podcast", **extra):
    body = {
        "slug": slug,
        "title": "Podcast workshop",
        "kind": "campus_event",
        "theme": "media_campus",
        "programme": ProgrammeFactory().slug,
        "capacity": 10,
    } | extra
    response = api.post("/api/v1/events/", body, format="json")
    assert response.status_code == 201, response.content
    return Event.objects.get(slug=slug)


def what_bob_gets(bob_api, bob_client, slug="podcast") -> list[int]:
    """Status codes of bob's change, registration list, manage page and CSV export."""
    return [
        bob_api.patch(f"/api/v1/events/{slug}/", {"capacity": 12}, format="json").status_code,
        bob_api.get(f"/api/v1/events/{slug}/registrations/").status_code,
        bob_client.get(f"/en/manage/events/{slug}/").status_code,
        bob_client.get(f"/en/manage/events/{slug}/attendance.csv").status_code,
    ]


def test_organiser_b_is_refused_on_a_event_until_a_adds_b_by_email(alice, bob, client):
    event = create_event(api_for(alice))
    SessionFactory(event=event)
    bob_api = api_for(bob)
    bob_client = logged_in(client, bob)
    alice_client = logged_in(Client(), alice)

    before = what_bob_gets(bob_api, bob_client)
    added = alice_client.post("/en/manage/events/podcast/owners/", {"email": "B@example.org"})
    after = what_bob_gets(bob_api, bob_client)

    assert before == [403, 403, 403, 403]
    assert added.status_code == 302
    assert set(event.owners.all()) == {alice, bob}
    assert after == [200, 200, 200, 200]
    event.refresh_from_db()
    assert event.capacity == 12


def test_organiser_a_sees_only_own_events_in_the_manage_list_and_overview(alice, bob, client):
    create_event(api_for(alice), slug="alices", title="Alice's talk")
    create_event(api_for(bob), slug="bobs", title="Bob's talk")

    listing = logged_in(client, alice).get("/en/manage/events/").content.decode()
    overview = client.get("/en/manage/").content.decode()

    assert "Alice&#x27;s talk" in listing
    assert "Bob&#x27;s talk" not in listing
    assert "/en/manage/events/alices/" in overview
    assert "/en/manage/events/bobs/" not in overview


def test_programme_owner_manages_every_event_of_the_programme(alice, bob, client):
    carol = UserFactory(name="Carol Programme")  # no role of her own: ownership is enough
    programme = ProgrammeFactory(slug="dmw", owners=[carol])
    create_event(api_for(alice), slug="in-dmw", programme="dmw")
    create_event(api_for(bob), slug="elsewhere")
    carol_api = api_for(carol)

    inside = what_bob_gets(carol_api, logged_in(client, carol), slug="in-dmw")
    outside = what_bob_gets(carol_api, client, slug="elsewhere")
    page = client.get("/en/manage/programmes/dmw/")

    assert inside == [200, 200, 200, 200]
    assert outside == [403, 403, 403, 403]
    assert page.status_code == 200
    assert "/en/manage/events/in-dmw/" in page.content.decode()
    assert programme.owners.get() == carol


def test_event_administrators_manage_every_event(alice, client):
    create_event(api_for(alice))
    admin = UserFactory(groups=["event_administrators"])

    codes = what_bob_gets(api_for(admin), logged_in(client, admin))
    listing = client.get("/en/manage/events/").content.decode()

    assert codes == [200, 200, 200, 200]
    assert "/en/manage/events/podcast/" in listing


def test_someone_without_role_or_events_gets_403_on_manage(client):
    logged_in(client, UserFactory())

    assert client.get("/en/manage/").status_code == 403
    assert client.get("/en/manage/events/").status_code == 403


def test_owner_without_organiser_role_cannot_create_events(alice, client):
    event = create_event(api_for(alice))
    teacher = UserFactory()
    event.owners.add(teacher)

    response = api_for(teacher).post(
        "/api/v1/events/",
        {
            "slug": "new",
            "title": "New",
            "kind": "campus_event",
            "theme": "media_campus",
            "programme": event.programme.slug,
            "capacity": 3,
        },
        format="json",
    )

    assert response.status_code == 403
    assert logged_in(client, teacher).get("/en/manage/").status_code == 200


def test_adding_an_owner_through_the_api_and_listing_owners(alice, bob):
    create_event(api_for(alice))
    api = api_for(alice)

    added = api.post("/api/v1/events/podcast/owners/", {"email": "b@example.org"}, format="json")
    again = api.post("/api/v1/events/podcast/owners/", {"email": "b@example.org"}, format="json")
    bad = api.post("/api/v1/events/podcast/owners/", {"email": "not an address"}, format="json")
    listed = api.get("/api/v1/events/podcast/owners/").json()

    assert (added.status_code, added.json()) == (201, {"email": "b@example.org", "status": "owner"})
    assert again.status_code == 400
    assert again.json() == {"email": ["b@example.org is an owner already."]}
    assert bad.status_code == 400
    assert "email" in bad.json()
    assert [owner["email"] for owner in listed["owners"]] == ["a@example.org", "b@example.org"]
    assert listed["invitations"] == []


def test_removed_co_owner_is_refused_again(alice, bob):
    event = create_event(api_for(alice))
    event.owners.add(bob)

    removed = api_for(alice).delete(f"/api/v1/events/podcast/owners/{bob.pk}/")
    refused = api_for(bob).get("/api/v1/events/podcast/registrations/")

    assert removed.status_code == 204
    assert refused.status_code == 403
    assert list(event.owners.all()) == [alice]


def test_last_owner_cannot_be_removed_in_the_api(alice):
    event = create_event(api_for(alice))

    response = api_for(alice).delete(f"/api/v1/events/podcast/owners/{alice.pk}/")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The last owner cannot be removed. Add another owner first."
    }
    assert list(event.owners.all()) == [alice]


def test_last_owner_cannot_be_removed_on_the_page(alice, client):
    event = create_event(api_for(alice))

    response = logged_in(client, alice).post(f"/en/manage/events/podcast/owners/{alice.pk}/remove/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert" id="owner-error"' in html
    assert "The last owner cannot be removed. Add another owner first." in html
    assert list(event.owners.all()) == [alice]


def test_invalid_email_on_the_page_is_shown_next_to_the_field(alice, client):
    create_event(api_for(alice))

    response = logged_in(client, alice).post(
        "/en/manage/events/podcast/owners/", {"email": "nobody"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_error"' in html
    assert "Enter a valid email address." in html


def test_unknown_address_gets_an_invitation_and_becomes_owner_after_sign_up(
    alice, client, django_capture_on_commit_callbacks
):
    create_event(api_for(alice))
    alice_client = logged_in(Client(), alice)

    with django_capture_on_commit_callbacks(execute=True):
        invited = alice_client.post(
            "/en/manage/events/podcast/owners/", {"email": "Nieuw@Example.org"}
        )
    invitation_mail = mail.outbox[-1]
    before = client.get("/en/manage/events/podcast/")
    with django_capture_on_commit_callbacks(execute=True):
        sign_up(client, email="nieuw@example.org")
    # Signed up but not confirmed: the address is not proven, the invitation waits.
    waiting = OwnerInvitation.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirmation_link(mail.outbox[-1]))
    after = client.get("/en/manage/events/podcast/")

    newcomer = User.objects.get(email="nieuw@example.org")
    assert invited.status_code == 302
    assert invitation_mail.to == ["Nieuw@Example.org"]
    assert invitation_mail.subject == "You are invited to co-organise Podcast workshop"
    assert "http://127.0.0.1:8000/en/manage/events/podcast/" in invitation_mail.body
    assert re.search(r"http://127\.0\.0\.1:8000/en/accounts/signup/", invitation_mail.body)
    assert before.status_code == 302  # not signed in yet: to the login page
    assert waiting == 1
    assert after.status_code == 200
    assert set(Event.objects.get(slug="podcast").owners.all()) == {alice, newcomer}
    assert not OwnerInvitation.objects.exists()
    assert not OutboxMail.objects.filter(kind=OWNER_INVITATION).exists()


def test_invitation_is_taken_up_at_sign_in_of_a_verified_account(alice, client):
    event = create_event(api_for(alice))
    api_for(alice).post("/api/v1/events/podcast/owners/", {"email": "later@example.org"})
    # An account made afterwards by staff (verified), who then signs in.
    later = UserFactory(email="later@example.org")

    client.force_login(later)

    assert set(event.owners.all()) == {alice, later}
    assert not OwnerInvitation.objects.exists()


def test_withdrawn_invitation_is_not_sent(alice, client):
    create_event(api_for(alice))
    api_for(alice).post("/api/v1/events/podcast/owners/", {"email": "x@example.org"})
    invitation = OwnerInvitation.objects.get()
    mail.outbox.clear()

    response = logged_in(client, alice).post(
        f"/en/manage/events/podcast/invitations/{invitation.pk}/withdraw/"
    )
    send_pending_mail()

    assert response.status_code == 302
    assert not OwnerInvitation.objects.exists()
    assert mail.outbox == []


def test_programme_owners_are_added_and_kept_on_the_programme_page(alice, bob, client):
    programme = ProgrammeFactory(slug="dmw", owners=[alice])
    logged_in(client, alice)

    added = client.post("/en/manage/programmes/dmw/owners/", {"email": "b@example.org"})
    client.post(f"/en/manage/programmes/dmw/owners/{alice.pk}/remove/")
    client.force_login(bob)
    last = client.post(f"/en/manage/programmes/dmw/owners/{bob.pk}/remove/")

    assert added.status_code == 302
    assert list(programme.owners.all()) == [bob]
    assert last.status_code == 200
    assert "The last owner cannot be removed." in last.content.decode()


def test_programme_created_in_the_api_is_owned_by_its_creator(alice):
    response = api_for(alice).post(
        "/api/v1/programmes/", {"slug": "dmw", "name": "Dutch Media Week"}, format="json"
    )

    assert response.status_code == 201
    assert list(alice.owned_programmes.values_list("slug", flat=True)) == ["dmw"]


def test_session_room_stays_with_the_event_when_its_booker_stops_owning_it(alice, bob):
    RoomFactory(slug="xr-lab")
    start = future()
    session = {"start": start.isoformat(), "end": start.replace(hour=12).isoformat()}
    event = create_event(api_for(alice), sessions=[{**session, "room": "xr-lab"}])
    event.owners.add(bob)
    booking = event.sessions.get().booking

    removed = api_for(bob).delete(f"/api/v1/events/podcast/owners/{alice.pk}/")
    cancel = api_for(alice).post(f"/api/v1/bookings/{booking.pk}/cancel/")
    mine = api_for(alice).get("/api/v1/bookings/").json()["count"]

    booking.refresh_from_db()
    assert removed.status_code == 204
    assert cancel.status_code == 404
    assert mine == 0
    assert (booking.user, booking.status) == (None, "confirmed")
    assert Booking.objects.get(event_session__event=event) == booking


def test_erasing_an_owner_leaves_the_event_to_the_others(alice, bob, client):
    event = create_event(api_for(alice))
    event.owners.add(bob)

    erase_user_data(alice)

    assert list(event.owners.all()) == [bob]


def test_manage_overview_query_count_is_constant(alice, client):
    programme = ProgrammeFactory(owners=[alice])

    def add(count):
        for _ in range(count):
            SessionFactory(event=EventFactory(owners=[alice]))
            SessionFactory(event=EventFactory(programme=programme))
            ProgrammeFactory(owners=[alice])

    add(2)
    logged_in(client, alice).get("/en/manage/")
    with CaptureQueriesContext(connection) as few:
        client.get("/en/manage/")
    add(23)

    with CaptureQueriesContext(connection) as many:
        response = client.get("/en/manage/")

    assert response.content.decode().count('href="/en/manage/events/event-') == 50
    assert len(many) == len(few)


def test_event_administrators_group_exists_after_migrate():
    assert Group.objects.filter(name="event_administrators").exists()


def test_unknown_address_is_invited_to_own_the_programme_and_owns_it_at_sign_in(alice, client):
    programme = ProgrammeFactory(slug="dmw", owners=[alice])

    response = logged_in(client, alice).post(
        "/en/manage/programmes/dmw/owners/", {"email": "later@example.org"}
    )

    assert response.status_code == 302
    invitation = OwnerInvitation.objects.get()
    assert (invitation.programme, invitation.event, invitation.email) == (
        programme,
        None,
        "later@example.org",
    )
    later = UserFactory(email="later@example.org")
    Client().force_login(later)
    assert set(programme.owners.all()) == {alice, later}
    assert not OwnerInvitation.objects.exists()


def test_inviting_an_address_twice_in_another_case_is_refused_and_keeps_one_invitation(alice):
    create_event(api_for(alice))
    first = api_for(alice).post("/api/v1/events/podcast/owners/", {"email": "later@example.org"})

    again = api_for(alice).post("/api/v1/events/podcast/owners/", {"email": "LATER@example.org"})

    assert first.status_code == 201
    assert again.status_code == 400
    assert again.json() == {"email": ["LATER@example.org has been invited already."]}
    invitation = OwnerInvitation.objects.get()
    assert (invitation.email, invitation.invited_by) == ("later@example.org", alice)


def test_the_address_of_a_switched_off_account_gets_an_invitation_not_ownership(alice):
    event = create_event(api_for(alice))
    UserFactory(email="gone@example.org", is_active=False)

    response = api_for(alice).post("/api/v1/events/podcast/owners/", {"email": "gone@example.org"})

    assert response.json() == {"email": "gone@example.org", "status": "invited"}
    assert set(event.owners.all()) == {alice}


def test_removing_someone_who_is_not_an_owner_says_so(alice, bob):
    event = create_event(api_for(alice))

    response = api_for(alice).delete(f"/api/v1/events/podcast/owners/{bob.pk}/")

    assert response.status_code == 404
    assert response.json()["detail"] == "This person is not an owner."
    assert set(event.owners.all()) == {alice}
