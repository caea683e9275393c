"""Journey: a student opens the day grid of a location, takes a free hour, and books it:
three steps from the grid to a confirmed booking, in both languages, on a laptop and a
phone (where the grid is a list of free time)."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from booking import services
from booking.models import Booking, BookingStatus
from tests.booking.factories import LocationFactory, RoomFactory
from tests.e2e.conftest import shown_moment, verified
from tests.e2e.test_booking_journey import at
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def next_wednesday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=(2 - today.weekday()) % 7 or 7)


def test_student_books_a_free_hour_from_the_day_grid(open_tab):
    wednesday = next_wednesday()
    centre = LocationFactory(slug="lab-in-het-centrum", name="Lab in het Centrum",
                             hours=dict.fromkeys(range(7), ("09:00", "17:00")))  # fmt: skip
    studio = RoomFactory(slug="podcaststudio", name="Podcaststudio", location=centre)
    RoomFactory(slug="montagelab", name="Montagelab", location=centre)
    services.create_booking(user=UserFactory(), room=studio, start=at(wednesday, "09:00"),
                            end=at(wednesday, "10:00"), title="")  # fmt: skip
    student = verified(UserFactory(email="noor@student.hu.nl", affiliation="hu"))
    tab = open_tab(student)
    page = tab.page

    tab.goto(f"/rooms/day/?location=lab-in-het-centrum&day={wednesday.isoformat()}")
    tab.screenshot("day-grid")
    if tab.variant.is_phone:
        assert not page.locator("table.day-grid").is_visible()
        free = page.locator(".day-grid-narrow li", has_text="Podcaststudio").locator(
            "a.free, li.free a"
        )
        tab.click(free.first)
    else:
        # The first free hour of the studio: 10:00, after the booking at 09:00.
        name = re.compile(r"Podcaststudio 10:00–11:00")
        tab.click(page.get_by_role("link", name=name))
    assert shown_moment(page, "start") == f"{wednesday.isoformat()}T10:00"
    page.locator("#id_title").fill("Podcast opnemen")
    tab.click(page.locator("#book-heading ~ form button[type=submit]"))

    # The browser keeps the form's #book-heading through the redirect.
    page.wait_for_url(re.compile(r"/my/bookings/\d+/(#book-heading)?$"))
    assert page.locator(".messages .message-success").count() == 1
    booking = Booking.objects.get(user=student)
    assert (booking.room, booking.start, booking.status) == (
        studio,
        at(wednesday, "10:00"),
        BookingStatus.CONFIRMED,
    )


def test_student_takes_the_last_desk_of_a_shared_newsroom_from_the_day_grid(open_tab):
    """A seats room: the grid shows seats left, a free cell books one desk, and the room
    then shows none left at that hour."""
    from booking.models import BookingMode

    wednesday = next_wednesday()
    centre = LocationFactory(slug="lab-in-het-centrum", name="Lab in het Centrum",
                             hours=dict.fromkeys(range(7), ("09:00", "17:00")))  # fmt: skip
    newsroom = RoomFactory(slug="redactielab", name="Redactielab", location=centre, capacity=3,
                           booking_mode=BookingMode.SEATS)  # fmt: skip
    services.create_booking(user=UserFactory(), room=newsroom, start=at(wednesday, "09:00"),
                            end=at(wednesday, "12:00"), title="", attendees=2)  # fmt: skip
    student = verified(UserFactory(email="sem@student.hu.nl", affiliation="hu"))
    tab = open_tab(student)
    page = tab.page

    tab.goto(f"/rooms/day/?location=lab-in-het-centrum&day={wednesday.isoformat()}")
    tab.screenshot("day-grid-desks")
    left = "nog 1 plaats vrij" if tab.variant.language == "nl" else "1 seat left"
    if tab.variant.is_phone:
        free = page.locator(".day-grid-narrow li.free a", has_text=left)
        tab.click(free.first)
    else:
        tab.click(page.get_by_role("link", name=re.compile(r"Redactielab 10:00–11:00")))
    assert page.locator("#id_attendees").input_value() in ("", "1")
    page.locator("#id_attendees").fill("1")
    page.locator("#id_title").fill("Eindredactie")
    tab.click(page.locator("#book-heading ~ form button[type=submit]"))

    page.wait_for_url(re.compile(r"/my/bookings/\d+/(#book-heading)?$"))
    booking = Booking.objects.get(user=student)
    assert (booking.room, booking.attendees, booking.status) == (
        newsroom,
        1,
        BookingStatus.CONFIRMED,
    )
    tab.goto(f"/rooms/day/?location=lab-in-het-centrum&day={wednesday.isoformat()}")
    if not tab.variant.is_phone:
        row = page.locator("table.day-grid tr", has_text="Redactielab")
        assert row.get_by_role("link", name=re.compile(r"Redactielab 10:00–11:00")).count() == 0
