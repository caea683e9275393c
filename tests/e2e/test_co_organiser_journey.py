"""Journey: an organiser adds a co-organiser by email on the event's page, from the
keyboard; the co-organiser then finds the event on their /manage/ and manages it. An
address without an account is invited instead (phone variants on a 390x844 viewport)."""

import pytest

from events.models import OwnerInvitation
from tests.e2e.conftest import verified
from tests.factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_organiser_adds_a_co_organiser_by_email(open_tab, variant):
    alice = verified(UserFactory(groups=["event_organisers"], name="Lotte Mulder"))
    bob = verified(UserFactory(groups=["event_organisers"], name="Karim El Amrani"))
    event = EventFactory(slug="podcast-workshop", title="Podcast workshop", owners=[alice])
    SessionFactory(event=event)
    tab = open_tab(alice)
    page = tab.goto("/manage/")
    tab.click(page.locator("main a[href$='/manage/events/podcast-workshop/']").first)

    page.locator("#id_email").fill(bob.email)
    tab.press(page.locator("#id_email"))

    assert set(event.owners.all()) == {alice, bob}
    assert page.locator("#owners li", has_text="Karim El Amrani").count() == 1
    assert page.locator(".messages", has_text="Karim El Amrani").count() == 1

    page.locator("#id_email").fill("nieuw@example.org")
    tab.press(page.locator("#id_email"))
    assert OwnerInvitation.objects.get(event=event).email == "nieuw@example.org"
    assert page.locator("#owners li", has_text="nieuw@example.org").count() == 1

    bob_tab = open_tab(bob)
    bob_page = bob_tab.goto("/manage/")
    bob_tab.click(bob_page.locator("main a[href$='/manage/events/podcast-workshop/']").first)
    assert bob_page.locator("h1", has_text="Podcast workshop").count() == 1
    assert bob_page.locator("#owners li", has_text="Lotte Mulder").count() == 1
