"""The booking form with the keyboard alone: Tab from the top of the page to the form, type
every field, submit with Enter. Every stop on the way shows its focus; every field has a label."""

import re
from datetime import datetime, time

import pytest

from booking.models import Booking, BookingStatus
from booking.timezones import LOCAL_TZ
from tests.booking.factories import RoomFactory
from tests.e2e.conftest import verified
from tests.e2e.test_booking_journey import next_tuesday
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), id: el.id, type: el.type || '',
          labelled: el.labels ? el.labels.length > 0 || el.hasAttribute('aria-label') : null,
          outline: style.outlineStyle !== 'none' && style.outlineWidth !== '0px'};
}"""


def tab_until(page, element_id: str, limit: int) -> list[dict]:
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
        if stops[-1]["id"] == element_id:
            return stops
    raise AssertionError(f"#{element_id} not reached with {limit} presses of Tab: {stops}")


def type_datetime(page, moment: datetime, next_id: str) -> list[dict]:
    """The date as day-month-year, Tab, the time typed into its choice (the select jumps to
    the option that starts so); then on to `next_id`, past the duration buttons."""
    page.keyboard.type(moment.strftime("%d-%m-%Y"))
    stops = [page.evaluate(FOCUSED)]
    page.keyboard.press("Tab")
    stops.append(page.evaluate(FOCUSED))
    assert stops[-1]["tag"] == "select", stops
    page.keyboard.type(moment.strftime("%H:%M"))
    return stops + tab_until(page, next_id, limit=10)


def test_booking_form_by_keyboard_only(open_tab):
    room = RoomFactory(slug="immersive-lab", name="Immersive Lab")
    student = verified(UserFactory(affiliation="hu"))
    tuesday = next_tuesday()
    start, end = (datetime.combine(tuesday, time(h), LOCAL_TZ) for h in (13, 15))
    tab = open_tab(student)
    page = tab.goto("/rooms/immersive-lab/")

    stops = tab_until(page, "id_start_date", limit=120)
    # The skip link comes first.
    assert (stops[0]["tag"], stops[0]["id"]) == ("a", "")
    stops += type_datetime(page, start, next_id="id_end_date")
    stops += type_datetime(page, end, next_id="id_title")
    page.keyboard.type("Montage met toetsenbord")
    stops += tab_until(page, "id_attendees", limit=1)
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("6")
    stops += tab_until(page, "id_public_title", limit=1)
    page.keyboard.press("Space")
    stops += tab_until(page, "id_repeat", limit=1)
    # A one-off booking: the series' end fields stay hidden, out of the tab order.
    page.keyboard.press("Tab")
    submit = page.evaluate(FOCUSED)
    assert (submit["tag"], submit["type"]) == ("button", "submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    tab.audit()
    assert re.search(r"/my/bookings/\d+/$", page.url)
    booking = Booking.objects.get(room=room)
    assert (booking.start, booking.end, booking.attendees, booking.public_title) == (
        start,
        end,
        6,
        True,
    )
    assert (booking.title, booking.status) == ("Montage met toetsenbord", BookingStatus.CONFIRMED)
    assert all(stop["outline"] for stop in [*stops, submit]), stops
    fields = [stop for stop in stops if stop["tag"] in ("input", "select", "textarea")]
    assert all(stop["labelled"] for stop in fields), fields
