import re

import pytest

pytestmark = pytest.mark.django_db


def test_home_is_dutch_by_default(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert '<html lang="nl">' in response.content.decode()
    assert "Naar de inhoud" in response.content.decode()


def test_english_under_prefix(client):
    response = client.get("/en/")

    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
    assert "Skip to content" in response.content.decode()


def test_language_switch_redirects_to_english_page(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert '<html lang="en">' in client.get(response["Location"]).content.decode()


def test_language_switch_back_to_dutch_from_english_page(client):
    page = client.get("/en/accounts/login/").content.decode()
    next_value = re.search(r'name="next" type="hidden" value="([^"]*)"', page).group(1)

    response = client.post("/i18n/setlang/", {"language": "nl", "next": next_value})

    assert next_value == "/accounts/login/"
    assert response["Location"] == "/accounts/login/"


def test_page_has_landmarks_and_skip_link(client):
    html = client.get("/").content.decode()

    for fragment in ('href="#main"', "<header", "<nav", '<main id="main"', "<footer"):
        assert fragment in html
