"""Every destructive action takes a second, deliberate step (issue 18, item 2): on every
page that offers one, its form sits inside a `<details class="confirm">` that must be opened
first. Cancelling, declining, leaving a waitlist, removing an owner or a closure."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from booking.models import Closure
from tests.core.test_translations import campus  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

DESTRUCTIVE = re.compile(r"/(cancel|remove|delete|decline)/$")


class DestructiveForms(HTMLParser):
    """(action, inside a confirm step) for each form posting to a destructive endpoint."""

    def __init__(self):
        super().__init__()
        self.open_confirms = 0
        self.found: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "details" and "confirm" in (values.get("class") or "").split():
            self.open_confirms += 1
        elif tag == "form" and DESTRUCTIVE.search(values.get("action") or ""):
            self.found.append((values["action"], self.open_confirms > 0))

    def handle_endtag(self, tag):
        if tag == "details" and self.open_confirms:
            self.open_confirms -= 1


def destructive_forms(html: str) -> list[tuple[str, bool]]:
    parser = DestructiveForms()
    parser.feed(html)
    return parser.found


def test_every_destructive_form_needs_a_second_step(client, campus):  # noqa: F811
    staff, member, event = campus["staff"], campus["member"], campus["event"]
    event.owners.add(member)
    start = timezone.now() + timedelta(days=20)
    Closure.objects.create(
        room=campus["room"], start=start, end=start + timedelta(hours=2), reason="Schilderen"
    )
    pages = {
        member: [
            "/en/my/",
            f"/en/my/bookings/{campus['booking'].pk}/",
            f"/en/events/{event.slug}/",
        ],
        staff: [
            "/en/manage/bookings/",
            "/en/manage/bookings/closures/",
            f"/en/manage/events/{event.slug}/",
            f"/en/manage/events/{event.slug}/registrations/",
        ],
    }
    found = []
    for person, urls in pages.items():
        client.force_login(person)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            found += [
                (url, action, confirmed) for action, confirmed in destructive_forms(response.text)
            ]

    kinds = {DESTRUCTIVE.search(action).group(1) for _url, action, _ok in found}
    assert kinds == {"cancel", "remove", "delete", "decline"}  # every kind was on a page
    assert [(url, action) for url, action, confirmed in found if not confirmed] == []


def test_the_check_sees_a_form_outside_a_confirm_step_control():
    html = (
        '<details class="confirm"><form action="/a/cancel/"></form></details>'
        '<form action="/b/remove/"></form>'
    )

    assert destructive_forms(html) == [("/a/cancel/", True), ("/b/remove/", False)]
