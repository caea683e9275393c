"""Journey 3: someone copies their personal feed link from /my/; the page offers webcal://,
Google and Outlook links for that address, and the downloaded feed parses."""

from datetime import datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from icalendar import Calendar

from booking import services as booking_services
from booking.timezones import LOCAL_TZ
from events import services as event_services
from tests.booking.factories import RoomFactory
from tests.e2e.conftest import verified
from tests.factories import EventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def busy_person():
    """Someone with a booking and a registration, so the feed has both kinds of entry."""
    person = verified(UserFactory(name="Karim El Amrani", affiliation="hu"))
    day = timezone.localdate() + timedelta(days=5)
    booking = booking_services.create_booking(
        user=person,
        room=RoomFactory(slug="podcaststudio", name="Podcaststudio"),
        start=datetime.combine(day, time(10), LOCAL_TZ),
        end=datetime.combine(day, time(12), LOCAL_TZ),
        title="Podcast opnemen",
        attendees=2,
        public_title=False,
    )
    event = EventFactory(slug="dmw-opening", title="Opening Dutch Media Week")
    session = SessionFactory(event=event)
    event_services.register_for_event(user=person, event=event)
    return person, booking, session


def test_person_copies_feed_link_and_downloads_a_feed_that_parses(open_tab, busy_person):
    person, booking, session = busy_person
    tab = open_tab(person)
    page = tab.goto("/my/")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    section = page.locator("section", has=page.locator("#my-feed-heading"))

    address = section.locator("input[readonly]")
    address.focus()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.press("ControlOrMeta+C")
    copied = page.evaluate("() => navigator.clipboard.readText()")

    feed = urlsplit(copied)
    assert feed.path.startswith("/feeds/me/")
    assert feed.path.endswith(".ics")
    links = {
        link.get_attribute("data-kind"): link.get_attribute("href")
        for link in section.locator("a[data-kind]").all()
    }
    assert links["webcal"] == "webcal:" + copied.removeprefix(feed.scheme + ":")
    google = urlsplit(links["google"])
    assert (google.netloc, google.path) == ("calendar.google.com", "/calendar/render")
    assert parse_qs(google.query)["cid"] == [links["webcal"]]
    outlook = urlsplit(links["outlook"])
    assert (outlook.netloc, outlook.path) == ("outlook.office.com", "/calendar/0/addfromweb")
    assert parse_qs(outlook.query)["url"] == [copied]

    with page.expect_download() as download_info:
        section.locator("a[data-kind=download]").click()
    body = download_info.value.path().read_bytes()
    calendar = Calendar.from_ical(body)
    events = {str(item["UID"]): item for item in calendar.walk("VEVENT")}
    booking_uid = next(uid for uid in events if uid.startswith(f"booking-{booking.pk}@"))
    assert str(events[booking_uid]["SUMMARY"]) == "Podcast opnemen"
    assert events[booking_uid].decoded("DTSTART") == booking.start
    session_uid = next(uid for uid in events if uid.startswith(f"session-{session.pk}@"))
    assert events[session_uid].decoded("DTSTART") == session.start
    assert len(events) == 2
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Amsterdam"

    subscribed = page.context.request.get(copied)
    assert subscribed.status == 200
    assert subscribed.headers["content-type"].startswith("text/calendar")
    assert subscribed.body() == body
