import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from booking.models import Booking
from tests.booking.conftest import at
from tests.factories import EventFactory, SessionFactory, UserFactory
from tests.feeds.conftest import events_by_uid, post_booking

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def feed_path(api) -> str:
    url = api.get("/api/v1/me/").json()["feed_url"]
    return url.removeprefix("http://testserver")


def iso(day, hhmm):
    return f"{day.isoformat()}T{hhmm}"


def test_me_gives_absolute_feed_url(user_api):
    url = user_api.get("/api/v1/me/").json()["feed_url"]

    assert url.startswith("http://testserver/feeds/me/")
    assert url.endswith(".ics")


def test_personal_feed_has_my_bookings_and_registrations(client, room, day):
    me = UserFactory()
    api = api_for(me)
    booking = post_booking(api, room, iso(day, "10:00"), iso(day, "11:00"), title="Edit")
    post_booking(api_for(UserFactory()), room, iso(day, "12:00"), iso(day, "13:00"))
    session = SessionFactory(event=EventFactory(slug="open-day", title="Open day"))
    assert api.post("/api/v1/events/open-day/register/").status_code == 201

    response = client.get(feed_path(api))

    events = events_by_uid(response)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert set(events) == {
        f"booking-{booking['id']}@127.0.0.1",
        f"session-{session.pk}@127.0.0.1",
    }
    assert str(events[f"booking-{booking['id']}@127.0.0.1"]["SUMMARY"]) == "Edit"
    assert str(events[f"session-{session.pk}@127.0.0.1"]["STATUS"]) == "CONFIRMED"


def test_waitlisted_session_is_tentative_and_promotion_raises_sequence(client):
    event = EventFactory(slug="full-talk", capacity=1)
    session = SessionFactory(event=event)
    first, second = UserFactory(), UserFactory()
    first_api, second_api = api_for(first), api_for(second)
    registration = first_api.post("/api/v1/events/full-talk/register/").json()
    second_api.post("/api/v1/events/full-talk/register/")
    uid = f"session-{session.pk}@127.0.0.1"
    path = feed_path(second_api)
    waiting = events_by_uid(client.get(path))[uid]

    first_api.post(f"/api/v1/registrations/{registration['id']}/cancel/")
    promoted = events_by_uid(client.get(path))[uid]

    assert str(waiting["STATUS"]) == "TENTATIVE"
    assert str(promoted["STATUS"]) == "CONFIRMED"
    assert int(promoted["SEQUENCE"]) > int(waiting["SEQUENCE"])
    assert events_by_uid(client.get(feed_path(first_api))) == {}


def test_wrong_token_is_404(client, user_api):
    path = feed_path(user_api)
    user_id, digest = path.removeprefix("/feeds/me/").removesuffix(".ics").split(".")

    assert client.get(f"/feeds/me/{user_id}.{digest[::-1]}.ics").status_code == 404
    assert client.get(f"/feeds/me/{int(user_id) + 1}.{digest}.ics").status_code == 404
    assert client.get("/feeds/me/nothing.ics").status_code == 404


def test_rotation_through_api_kills_old_url(client, user_api):
    old = feed_path(user_api)

    rotated = user_api.post("/api/v1/me/feed-token/")
    new = rotated.json()["feed_url"].removeprefix("http://testserver")

    assert rotated.status_code == 200
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_rotation_from_my_page_kills_old_url(client, user_client):
    page = user_client.get("/en/my/").content.decode()
    old = feed_path(api_for(user_client.user))

    response = user_client.post("/en/my/feed-token/")

    assert old in page
    assert "webcal://testserver/feeds/me/" in page
    assert "calendar.google.com/calendar/render?cid=webcal%3A%2F%2Ftestserver" in page
    assert "outlook.office.com/calendar/0/addfromweb?url=http%3A%2F%2Ftestserver" in page
    assert response.status_code == 302
    assert client.get(old).status_code == 404


def test_no_working_url_from_database_alone(client, user_api, settings):
    """Everything stored (user id, nonce) without the server's secret gives no feed."""
    from accounts.feed_tokens import feed_token

    user = user_api.user
    settings.SECRET_KEY = "what-an-attacker-with-a-database-dump-would-have-to-guess-0000"
    forged = feed_token(user)
    settings.SECRET_KEY = "django-insecure-development-only-never-use-in-production"

    assert client.get(f"/feeds/me/{forged}.ics").status_code == 404
    assert user.feed_nonce not in feed_path(user_api)


def test_feed_of_deactivated_account_is_404(client, user_api):
    path = feed_path(user_api)
    user_api.user.is_active = False
    user_api.user.save()

    assert client.get(path).status_code == 404


def _personal_feed_queries(client, count, room, day):
    me = UserFactory()
    Booking.objects.bulk_create(
        Booking(
            room=room,
            user=me,
            title=f"B{n}",
            start=at(day, "08:00"),
            end=at(day, "09:00"),
            blocked_from=at(day, "08:00"),
            blocked_until=at(day, "09:00"),
            # cancelled, so that 50 of them may share a slot; they still show (CANCELLED)
            status="cancelled",
        )
        for n in range(count)
    )
    api = api_for(me)
    for n in range(count):
        event = EventFactory(slug=f"e{count}-{n}")
        SessionFactory(event=event)
        api.post(f"/api/v1/events/{event.slug}/register/")
    path = feed_path(api)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert len(events_by_uid(response)) == 2 * count
    return len(queries)


def test_personal_feed_query_count_constant(client, room, day):
    assert _personal_feed_queries(client, 2, room, day) == _personal_feed_queries(
        client, 50, room, day
    )


@pytest.mark.parametrize("user_id", ["١٢", "²", "9" * 30, "9" * 5000, "-1", " 1"])
def test_personal_feed_token_with_odd_user_id_is_404(client, user_id):
    user = UserFactory()
    digest = feed_path(api_for(user)).rsplit(".", 2)[1]

    response = client.get(f"/feeds/me/{user_id}.{digest}.ics")

    assert response.status_code == 404
