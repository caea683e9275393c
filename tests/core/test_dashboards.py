import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_my_overview_needs_login(client):
    response = client.get("/my/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_my_overview_shows_profile_and_token(user_client):
    html = user_client.get("/my/").content.decode()

    assert user_client.user.email in html
    assert user_client.user.auth_token.key in html


def test_manage_forbidden_for_plain_user(user_client):
    assert user_client.get("/manage/").status_code == 403


@pytest.mark.parametrize("group", ["facility_managers", "event_organisers"])
def test_manage_open_to_staff_roles(client, group):
    client.force_login(UserFactory(groups=[group]))

    assert client.get("/en/manage/").status_code == 200


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
    assert 'name="free_from"' in html
