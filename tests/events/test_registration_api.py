from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from events.models import Event, Registration
from tests.events.conftest import api_for
from tests.factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db


def register(user, slug="podcast-workshop"):
    return api_for(user).post(f"/api/v1/events/{slug}/register/")


def test_register_confirms_while_seats_are_free(event, user_api):
    response = user_api.post("/api/v1/events/podcast-workshop/register/")

    assert response.status_code == 201
    assert response.json() == {
        "id": Registration.objects.get().pk,
        "status": "confirmed",
        "waitlist_position": None,
    }
    event.refresh_from_db()
    assert (event.seats_taken, event.waitlist_length) == (1, 0)


def test_register_waitlists_in_order_when_full(event):
    for _ in range(2):
        register(UserFactory())

    third = register(UserFactory()).json()
    fourth = register(UserFactory()).json()

    assert (third["status"], third["waitlist_position"]) == ("waitlisted", 1)
    assert (fourth["status"], fourth["waitlist_position"]) == ("waitlisted", 2)
    event.refresh_from_db()
    assert (event.seats_taken, event.waitlist_length) == (2, 2)


def test_register_full_without_waitlist_is_conflict(db):
    EventFactory(slug="full", capacity=1, waitlist=False)
    register(UserFactory(), "full")

    response = register(UserFactory(), "full")

    assert response.status_code == 409
    assert response.json()["detail"] == "This event is full and has no waitlist."
    assert Registration.objects.count() == 1


def test_register_twice_is_conflict(event, user):
    register(user)

    response = register(user)

    assert response.status_code == 409
    assert response.json() == {
        "detail": "You are already registered for this event.",
        "conflicts": [],
    }
    event.refresh_from_db()
    assert event.seats_taken == 1


def test_register_twice_while_waitlisted_is_conflict(event, user):
    register(UserFactory())
    register(UserFactory())
    register(user)

    response = register(user)

    assert response.status_code == 409
    event.refresh_from_db()
    assert (event.waitlist_length, event.waitlist_next) == (1, 2)


def test_register_again_after_cancelling_is_allowed(event, user):
    first = register(user).json()
    api_for(user).post(f"/api/v1/registrations/{first['id']}/cancel/")

    response = register(user)

    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"


def test_register_outside_audience_is_forbidden(db):
    EventFactory(slug="hu-only", audience=["hu"])

    response = register(UserFactory(affiliation="public"), "hu-only")

    assert response.status_code == 403
    assert response.json() == {"detail": "This event is not open to your affiliation."}
    assert Registration.objects.count() == 0


def test_register_with_unverified_email_is_forbidden(event):
    person = UserFactory(email_verified=False)
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)

    response = register(person)

    assert response.status_code == 403
    assert response.json() == {
        "detail": "Verify your email address first: follow the link in the mail we sent you."
    }
    assert Registration.objects.count() == 0


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(timedelta(hours=1), timedelta(days=2)), (-timedelta(days=2), -timedelta(minutes=1))],
    ids=["not-yet-open", "closed"],
)
def test_register_outside_window_is_bad_request(db, opens, closes):
    now = timezone.now()
    EventFactory(slug="windowed", registration_opens=now + opens, registration_closes=now + closes)

    response = register(UserFactory(), "windowed")

    assert response.status_code == 400
    assert response.json() == {"detail": "Registration for this event is closed."}
    assert not Registration.objects.exists()
    assert Event.objects.get(slug="windowed").seats_taken == 0


def test_register_inside_window_is_allowed(db):
    now = timezone.now()
    EventFactory(
        slug="windowed",
        registration_opens=now - timedelta(hours=1),
        registration_closes=now + timedelta(hours=1),
    )

    assert register(UserFactory(), "windowed").status_code == 201


def test_register_anonymous_is_unauthorised(event, api_client):
    assert api_client.post("/api/v1/events/podcast-workshop/register/").status_code == 401
    assert not Registration.objects.exists()


def test_register_unknown_event_is_not_found(db, user_api):
    assert user_api.post("/api/v1/events/nope/register/").status_code == 404


def test_cancel_promotes_first_on_waitlist(event):
    first = UserFactory()
    first_id = register(first).json()["id"]
    register(UserFactory())
    waiting = [UserFactory() for _ in range(3)]
    waiting_ids = [register(person).json()["id"] for person in waiting]

    response = api_for(first).post(f"/api/v1/registrations/{first_id}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert [statuses[pk] for pk in waiting_ids] == ["confirmed", "waitlisted", "waitlisted"]
    positions = [
        r["waitlist_position"]
        for r in api_for(waiting[2]).get("/api/v1/registrations/").json()["results"]
    ]
    assert positions == [2]
    event.refresh_from_db()
    assert (event.seats_taken, event.waitlist_length) == (2, 2)


def test_cancel_of_waitlisted_closes_the_gap(event):
    register(UserFactory())
    register(UserFactory())
    leaving = UserFactory()
    leaving_id = register(leaving).json()["id"]
    staying = UserFactory()
    register(staying)

    api_for(leaving).post(f"/api/v1/registrations/{leaving_id}/cancel/")

    mine = api_for(staying).get("/api/v1/registrations/").json()["results"]
    assert [(r["status"], r["waitlist_position"]) for r in mine] == [("waitlisted", 1)]
    event.refresh_from_db()
    assert (event.seats_taken, event.waitlist_length) == (2, 1)


def test_cancel_twice_is_conflict(event, user):
    registration_id = register(user).json()["id"]
    api_for(user).post(f"/api/v1/registrations/{registration_id}/cancel/")

    response = api_for(user).post(f"/api/v1/registrations/{registration_id}/cancel/")

    assert response.status_code == 409
    event.refresh_from_db()
    assert event.seats_taken == 0


def test_cancel_of_someone_elses_registration_is_not_found(event, user):
    registration_id = register(user).json()["id"]

    response = api_for(UserFactory()).post(f"/api/v1/registrations/{registration_id}/cancel/")

    assert response.status_code == 404
    assert Registration.objects.get().status == "confirmed"


def test_cancel_after_event_started_is_refused(db, user):
    started = EventFactory(slug="started")
    SessionFactory(
        event=started,
        start=timezone.now() - timedelta(minutes=5),
        end=timezone.now() + timedelta(hours=1),
    )
    registration_id = register(user, "started").json()["id"]

    response = api_for(user).post(f"/api/v1/registrations/{registration_id}/cancel/")

    assert response.status_code == 400
    assert "has started" in response.json()["detail"]
    assert Registration.objects.get().status == "confirmed"


def test_organiser_may_cancel_after_start(db, user, organiser_api):
    started = EventFactory(slug="started", owners=[organiser_api.user])
    SessionFactory(
        event=started,
        start=timezone.now() - timedelta(minutes=5),
        end=timezone.now() + timedelta(hours=1),
    )
    registration_id = register(user, "started").json()["id"]

    response = organiser_api.post(f"/api/v1/registrations/{registration_id}/cancel/")

    assert response.status_code == 200
    assert Registration.objects.get().status == "cancelled"


def test_lowered_capacity_keeps_everyone_confirmed(event, organiser_api):
    register(UserFactory())
    register(UserFactory())

    response = organiser_api.patch("/api/v1/events/podcast-workshop/", {"capacity": 1})

    assert response.status_code == 200
    assert (response.json()["capacity"], response.json()["seats_left"]) == (1, 0)
    assert list(Registration.objects.values_list("status", flat=True)) == ["confirmed"] * 2


def test_cancel_above_lowered_capacity_promotes_nobody(event, organiser_api):
    first = UserFactory()
    first_id = register(first).json()["id"]
    register(UserFactory())
    register(UserFactory())
    organiser_api.patch("/api/v1/events/podcast-workshop/", {"capacity": 1})

    api_for(first).post(f"/api/v1/registrations/{first_id}/cancel/")

    event.refresh_from_db()
    assert (event.seats_taken, event.waitlist_length) == (1, 1)


def test_raised_capacity_promotes_in_order(event, organiser_api):
    for _ in range(5):
        register(UserFactory())

    response = organiser_api.patch("/api/v1/events/podcast-workshop/", {"capacity": 4})

    assert response.json()["seats_left"] == 0
    assert response.json()["waitlist_length"] == 1
    statuses = list(Registration.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["confirmed"] * 4 + ["waitlisted"]


def test_event_seats_come_from_the_row(event, django_assert_num_queries, api_client):
    Event.objects.filter(pk=event.pk).update(seats_taken=2, waitlist_length=7)

    data = api_client.get("/api/v1/events/podcast-workshop/").json()

    assert (data["seats_left"], data["waitlist_length"]) == (0, 7)


def test_my_registrations_lists_only_mine(event, user_api):
    user_api.post("/api/v1/events/podcast-workshop/register/")
    register(UserFactory())

    data = user_api.get("/api/v1/registrations/").json()

    assert data["count"] == 1
    assert data["results"][0]["event"] == "podcast-workshop"
    assert data["results"][0]["status"] == "confirmed"
