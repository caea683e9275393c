import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_my_overview_needs_login(client):
    response = client.get("/my/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_overview_shows_the_profile_and_the_token_only_on_the_profile_page(user_client):
    from rest_framework.authtoken.models import Token

    overview = user_client.get("/my/").content.decode()
    profile = user_client.get("/en/my/profile/").content.decode()

    assert user_client.user.email in overview
    # The overview is opened on shared screens: the token is one click further.
    assert 'href="/my/profile/"' in overview
    assert Token.objects.get(user=user_client.user).key in profile
    assert Token.objects.get(user=user_client.user).key not in overview


def test_manage_forbidden_for_plain_user(user_client):
    assert user_client.get("/manage/").status_code == 403


def test_manage_shows_facility_managers_the_approval_queue_only(client):
    from datetime import timedelta

    from django.utils import timezone

    from booking.models import Booking, BookingStatus
    from tests.booking.factories import RoomFactory

    room, start = RoomFactory(requires_approval=True), timezone.now() + timedelta(days=2)
    for hours, status in [(0, "pending"), (2, "pending"), (4, "confirmed")]:
        Booking.objects.create(
            room=room,
            user=UserFactory(),
            start=start + timedelta(hours=hours),
            end=start + timedelta(hours=hours + 1),
            blocked_from=start + timedelta(hours=hours),
            blocked_until=start + timedelta(hours=hours + 1),
            status=BookingStatus(status),
        )
    client.force_login(UserFactory(groups=["facility_managers"]))

    response = client.get("/en/manage/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "2 bookings wait for approval." in html
    assert 'href="/en/manage/bookings/"' in html
    assert 'href="/en/manage/bookings/closures/"' in html
    assert 'id="manage-events-heading"' not in html


def test_manage_shows_event_organisers_the_events_only(client):
    from tests.factories import EventFactory

    organiser = UserFactory(groups=["event_organisers"])
    EventFactory(title="Their own", owners=[organiser])
    EventFactory(title="Someone else's")
    client.force_login(organiser)

    response = client.get("/en/manage/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Their own" in html
    assert "Someone else" not in html
    assert 'href="/en/manage/events/"' in html
    assert 'id="manage-bookings-heading"' not in html
    assert "There is nothing to manage yet." not in html


def test_home_shows_upcoming_sessions_and_room_search(client, django_assert_max_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import EventFactory, SessionFactory

    SessionFactory(event=EventFactory(title="Past talk"), start=timezone.now() - timedelta(days=2))
    for n in range(8):
        SessionFactory(
            event=EventFactory(title=f"Talk {n}"),
            start=timezone.now() + timedelta(days=n + 1),
        )

    with django_assert_max_num_queries(3):
        html = client.get("/en/").content.decode()

    assert "Past talk" not in html
    assert "Talk 0" in html
    assert "Talk 5" in html
    assert "Talk 6" not in html  # six at most
    assert 'action="/en/rooms/"' in html
    assert 'name="free_from_date"' in html
    assert 'name="free_from_time"' in html


@pytest.mark.parametrize("owns", ["event", "programme", "nothing"])
def test_the_manage_link_shows_for_owners_without_a_role_in_one_query(client, owns):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import EventFactory, ProgrammeFactory, UserFactory

    user = UserFactory()
    if owns == "event":
        EventFactory().owners.add(user)
    elif owns == "programme":
        ProgrammeFactory(owners=[user])
    client.force_login(user)

    with CaptureQueriesContext(connection) as with_link:
        page = client.get("/en/")
    asked = [q["sql"] for q in with_link if "events_event_owners" in q["sql"]]

    assert ('href="/en/manage/"' in page.text) == (owns != "nothing")
    # Rooms managed, events and programmes owned: asked together.
    assert len(asked) == 1
    assert "events_programme_owners" in asked[0]
    assert "booking_room" in asked[0]
