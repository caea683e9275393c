"""Journey: a visitor reads the Dutch Media Week timetable as a grid of rooms by time (a list
on a phone), registers for a talk from its cell, sees it marked, and finds the same grid in the
embeddable copy, whose register button opens this site in a new tab."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from booking.timezones import LOCAL_TZ
from events import services
from events.models import Registration, RegistrationStatus
from tests.booking.factories import RoomFactory
from tests.e2e.conftest import verified
from tests.factories import EventFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.e2e


def at(offset: int, hhmm: str) -> datetime:
    day = timezone.localdate() + timedelta(days=14 + offset)
    return datetime.combine(day, time.fromisoformat(hhmm), LOCAL_TZ)


@pytest.fixture
def media_week():
    week = ProgrammeFactory(slug="dmw-2026", name="Dutch Media Week 2026")
    studio = RoomFactory(name="Studio 1", capacity=40)
    lab = RoomFactory(name="Newsroom lab", capacity=12)
    staff = UserFactory(is_superuser=True)
    talks = {}
    for title, title_en, room, start, end in [
        ("Opening", "Opening", studio, "09:30", "10:15"),
        ("AI in de nieuwsredactie", "AI in the newsroom", lab, "10:00", "11:30"),
        ("Podcast maken", "Making podcasts", studio, "10:30", "12:00"),
        ("Datajournalistiek", "Data journalism", lab, "12:00", "12:45"),
    ]:
        event = EventFactory(
            programme=week, title=title, title_en=title_en, kind="dmw_session",
            capacity=room.capacity,
        )  # fmt: skip
        spec = services.SessionSpec(start=at(0, start), end=at(0, end), room=room)
        services.add_session(actor=staff, event=event, spec=spec)
        talks[title] = event
    return talks


def test_visitor_registers_from_the_grid_timetable(open_tab, media_week):
    visitor = verified(UserFactory(name="Sanne de Vries"))
    tab = open_tab(visitor)
    page = tab.page
    english = tab.variant.language == "en"
    title = "AI in the newsroom" if english else "AI in de nieuwsredactie"

    tab.goto("/events/?programme=dmw-2026")
    grid = page.locator("ol.tt-grid")
    if tab.variant.is_phone:
        assert grid.evaluate("el => getComputedStyle(el).display") == "block"
        assert not page.locator(".tt-room").first.is_visible()
    else:
        assert grid.evaluate("el => getComputedStyle(el).display") == "grid"
        assert page.locator(".tt-room").all_inner_texts() == ["Newsroom lab", "Studio 1"]
        # Side by side: the talk in the lab starts half an hour below the studio's first.
        opening = page.locator(".tt-session", has_text="Opening").bounding_box()
        ai = page.locator(".tt-session", has_text=title).bounding_box()
        assert ai["x"] < opening["x"]
        assert ai["y"] > opening["y"]
    cell = page.locator(".tt-session", has_text=title)
    seats = "40 seats left" if english else "nog 40 plaatsen vrij"
    assert seats in page.locator(".tt-session", has_text="Opening").inner_text()
    tab.screenshot("dmw-grid")

    tab.click(cell.get_by_role("button"))

    assert page.locator("p.status-confirmed").count() == 1
    registration = Registration.objects.get(user=visitor)
    assert registration.event == media_week["AI in de nieuwsredactie"]
    assert registration.status == RegistrationStatus.CONFIRMED
    tab.goto("/events/?programme=dmw-2026")
    assert page.locator(".tt-session", has_text=title).locator("p.status-confirmed").count() == 1
    assert page.locator(".tt-session", has_text=title).locator("button").count() == 0

    # The same grid for the Media Park website to frame: registering leaves the frame.
    tab.goto("/programmes/dmw-2026/embed/")
    assert page.locator(".site-header").count() == 0
    tab.screenshot("dmw-embed")
    button = page.locator(".tt-session", has_text="Opening").get_by_role("link", name=(
        "Register" if english else "Inschrijven"))  # fmt: skip
    assert button.get_attribute("target") == "_blank"
    with page.expect_popup() as popup:
        button.tap() if tab.variant.is_phone else button.click()
    opened = popup.value
    opened.wait_for_load_state("load")
    assert opened.url == tab.url(f"/events/{media_week['Opening'].slug}/")
    opened.close()
