"""Journey 1: a student signs in with SURFconext, finds a free lab for 6 next Tuesday
afternoon, books it, finds it under /my/, moves it and cancels it; a second student who tries
the same slot gets a clear message next to the form, not an error page."""

import json
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from booking import services
from booking.models import Booking, BookingStatus, RoomKind
from booking.timezones import LOCAL_TZ
from tests.booking.factories import LocationFactory, RoomFactory
from tests.e2e.conftest import fill_moment, shown_moment, verified
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def next_tuesday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=(1 - today.weekday()) % 7 or 7)


def local_input(day: date, hhmm: str) -> str:
    """How `shown_moment` reads a date-and-time field."""
    return f"{day.isoformat()}T{hhmm}"


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), LOCAL_TZ)


@pytest.fixture
def labs():
    """One lab that fits: the others are too small, busy that afternoon, or not a lab."""
    centre = LocationFactory(slug="lab-in-het-centrum", name="Lab in het Centrum")
    free = RoomFactory(slug="immersive-lab", name="Immersive Lab", location=centre, capacity=8)
    RoomFactory(slug="podcast-lab", name="Podcast Lab", location=centre, capacity=4)
    busy = RoomFactory(slug="montage-lab", name="Montage Lab", location=centre, capacity=10)
    RoomFactory(
        slug="vergaderzaal",
        name="Vergaderzaal",
        location=centre,
        capacity=12,
        kind=RoomKind.MEETING_ROOM,
    )
    tuesday = next_tuesday()
    services.create_booking(
        user=UserFactory(),
        room=busy,
        start=at(tuesday, "12:00"),
        end=at(tuesday, "16:00"),
        title="",
        attendees=3,
        public_title=False,
    )
    return free


def sign_in_with_surfconext(tab, next_path: str) -> None:
    page = tab.goto(f"/accounts/login/?next={tab.path(next_path)}")
    page.locator("button.sso-surfconext").click()
    # The provider's own sign-in page (not ours, not audited): the test decides who signs in.
    page.wait_for_url(re.compile(r"/interaction/"))
    page.locator("input[name=account]").fill("surf-sanne")
    claims = {
        "name": "Sanne de Vries",
        "email": "sanne.devries@student.hu.nl",
        "email_verified": True,
        "schac_home_organization": "hu.nl",
        "eduperson_affiliation": ["student", "member"],
    }
    page.evaluate(
        """(claims) => {
          const input = Object.assign(document.createElement('input'),
                                      {type: 'hidden', name: 'claims', value: claims});
          document.querySelector('form').append(input);
        }""",
        json.dumps(claims),
    )
    page.locator("form button").click()
    page.wait_for_url(tab.url(next_path))
    tab.audit()


def find_free_lab(tab, tuesday: date) -> None:
    page = tab.page
    fill_moment(page, "free_from", at(tuesday, "13:00"))
    fill_moment(page, "free_until", at(tuesday, "17:00"))
    page.locator("#id_capacity").fill("6")
    page.locator("#id_kind").select_option("lab")
    tab.press(page.locator("#id_capacity"))
    page.wait_for_url(re.compile(r"\?free_from_date="))
    assert page.locator(".room-cards h2").all_inner_texts() == ["Immersive Lab"]
    tab.screenshot("rooms-search")


def book(tab, tuesday: date, start: str, end: str, title: str) -> None:
    page = tab.page
    fill_moment(page, "start", at(tuesday, start))
    fill_moment(page, "end", at(tuesday, end))
    page.locator("#id_title").fill(title)
    page.locator("#id_attendees").fill("6")
    tab.click(page.locator("#book-heading ~ form button[type=submit]"))


def test_student_books_moves_and_cancels_a_lab(open_tab, surfconext, labs):
    """From search to booked in four steps, as in Skedda: search (date, two times, people,
    kind), the result's "book" button, a duration button, "Book". Before: the room page
    opened on this week with an empty form, and the date, both times and the number of people
    were typed again, the times as mm/dd/yyyy AM/PM in an English browser."""
    tuesday = next_tuesday()
    tab = open_tab()
    page = tab.page

    sign_in_with_surfconext(tab, "/rooms/")
    assert User.objects.get(email="sanne.devries@student.hu.nl").affiliation == "hu"
    find_free_lab(tab, tuesday)
    # The result books the searched time for the searched number of people.
    tab.click(page.get_by_role("link", name=re.compile(r"Immersive Lab (for this|voor deze) ")))
    assert shown_moment(page, "start") == local_input(tuesday, "13:00")
    assert page.locator("#id_attendees").input_value() == "6"
    # Two hours from the searched start: one tap on a duration, not a typed end.
    duration = page.locator(".duration-presets button", has_text=re.compile(r"^2 (uur|hours)$"))
    duration.tap() if tab.variant.is_phone else duration.click()
    assert shown_moment(page, "end") == local_input(tuesday, "15:00")
    page.locator("#id_title").fill("Montage VR-docu")
    tab.click(page.locator("#book-heading ~ form button[type=submit]"))
    page.wait_for_url(re.compile(r"/my/bookings/\d+/(#book-heading)?$"))
    booking = Booking.objects.get(room=labs)
    assert (booking.start, booking.end, booking.attendees, booking.status) == (
        at(tuesday, "13:00"),
        at(tuesday, "15:00"),
        6,
        BookingStatus.CONFIRMED,
    )
    assert page.locator(".messages .message-success").count() == 1

    tab.goto(f"/rooms/immersive-lab/?week={tuesday.isoformat()}")
    tab.screenshot("room-week", scroll_to="#week-heading")
    second_student_is_told_the_slot_is_taken(open_tab, tuesday)

    tab.goto("/my/")
    tab.screenshot("my-bookings")
    entry = page.locator(".booking-list li", has_text="Immersive Lab")
    assert entry.locator(".status-confirmed").count() == 1
    tab.click(entry.get_by_role("link", name="Immersive Lab"))

    fill_moment(page, "start", at(tuesday, "15:00"))
    fill_moment(page, "end", at(tuesday, "17:00"))
    tab.press(page.locator("#id_title"))
    booking.refresh_from_db()
    assert (booking.start, booking.end) == (at(tuesday, "15:00"), at(tuesday, "17:00"))
    assert page.locator(".messages .message-success").count() == 1

    # Cancelling takes a deliberate second step: open, then confirm.
    tab.reveal(page.locator("details.confirm summary"))
    tab.click(page.locator("button.danger"))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert page.locator(".status-cancelled").count() == 1
    tab.goto("/my/")
    assert page.locator(".booking-list li", has_text="Immersive Lab").count() == 0


def second_student_is_told_the_slot_is_taken(open_tab, tuesday: date) -> None:
    daan = verified(UserFactory(email="daan.bakker@student.hu.nl", affiliation="hu"))
    tab = open_tab()
    page = tab.page
    tab.goto("/accounts/login/?next=" + tab.path("/rooms/immersive-lab/"))
    page.locator("#id_login").fill(daan.email)
    page.locator("#id_password").fill(DEFAULT_PASSWORD)
    tab.press(page.locator("#id_password"))
    page.wait_for_url(tab.url("/rooms/immersive-lab/"))

    book(tab, tuesday, "14:00", "16:00", "Ook een montage")

    assert page.url.startswith(tab.url("/rooms/immersive-lab/"))
    error = page.locator("#id_start_error")
    assert error.is_visible()
    assert "Immersive Lab" in error.inner_text()
    assert "13:00" in error.inner_text()
    tab.screenshot("booking-conflict", scroll_to="#book-heading")
    assert Booking.objects.filter(user=daan).count() == 0
