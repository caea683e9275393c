"""Journey 4: a facility manager approves a pending booking and closes a room; an event
organiser checks people in (in the phone variants on a 390x844 viewport)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from booking import services as booking_services
from booking.models import Booking, BookingStatus, Closure, RoomKind
from booking.timezones import LOCAL_TZ
from events import services as event_services
from events.models import Attendance
from tests.booking.factories import LocationFactory, RoomFactory
from tests.e2e.conftest import verified
from tests.factories import EventFactory, OrganisationFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.e2e


# Every table's scroll region shows the table whole (on a phone, as cards).
FITS_WITHOUT_SCROLLING = """() => document.documentElement.scrollWidth <= innerWidth
  && [...document.querySelectorAll('.table-scroll')].every(
    (region) => region.scrollWidth <= region.clientWidth)"""


def days_ahead(days: int, hhmm: str) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return datetime.combine(day, time.fromisoformat(hhmm), LOCAL_TZ)


@pytest.fixture
def pending_booking():
    park = LocationFactory(slug="media-park", name="Media Park")
    studio = RoomFactory(
        slug="studio-21",
        name="Studio 21",
        location=park,
        kind=RoomKind.STUDIO,
        capacity=20,
        requires_approval=True,
    )
    student = verified(UserFactory(name="Sanne de Vries", affiliation="hu"))
    return booking_services.create_booking(
        user=student,
        room=studio,
        start=days_ahead(3, "10:00"),
        end=days_ahead(3, "12:00"),
        title="Opname talkshow",
        attendees=12,
        public_title=False,
    )


@pytest.fixture
def workshop():
    event = EventFactory(slug="podcast-workshop", title="Podcast workshop", capacity=10)
    session = SessionFactory(event=event, start=days_ahead(0, "09:00"), end=days_ahead(0, "23:00"))
    people = [
        verified(UserFactory(name=name, affiliation="public"))
        for name in ("Anouk Jansen", "Bram de Boer", "Chris Visser")
    ]
    registrations = [event_services.register_for_event(user=p, event=event) for p in people]
    return session, registrations


def test_facility_manager_approves_booking_and_adds_closure(open_tab, pending_booking):
    manager = verified(UserFactory(groups=["facility_managers"], affiliation="hu"))
    tab = open_tab(manager)
    page = tab.goto("/manage/")
    tab.click(page.locator("a[href$='/manage/bookings/']"))
    assert page.evaluate(FITS_WITHOUT_SCROLLING)
    queued = page.locator("#queue-heading + ul li", has_text="Studio 21")
    assert queued.count() == 1

    tab.click(queued.locator("form[action$='/approve/'] button"))
    pending_booking.refresh_from_db()
    assert pending_booking.status == BookingStatus.CONFIRMED
    assert page.locator("#queue-heading + ul li", has_text="Studio 21").count() == 0

    tab.click(page.locator("main a[href$='/manage/bookings/closures/']").first)
    # A whole day: tick it, give the date twice; the times step aside.
    start, end = days_ahead(10, "00:00"), days_ahead(11, "00:00")
    page.locator("#id_room").select_option(str(pending_booking.room_id))
    page.locator("#id_whole_day").check()
    assert not page.locator("#id_start_time").is_visible()
    page.locator("#id_start_date").fill(start.strftime("%d-%m-%Y"))
    page.locator("#id_end_date").fill(start.strftime("%d-%m-%Y"))
    page.locator("#id_reason").fill("Onderhoud belichting")
    tab.press(page.locator("#id_reason"))
    closure = Closure.objects.get()
    assert (closure.room_id, closure.start, closure.end) == (pending_booking.room_id, start, end)
    assert page.locator(".booking-list li", has_text="Onderhoud belichting").count() == 1
    assert Booking.objects.filter(status=BookingStatus.PENDING).count() == 0


def test_organiser_checks_people_in(open_tab, workshop, variant):
    session, registrations = workshop
    organiser = verified(UserFactory(groups=["event_organisers"], affiliation="municipality"))
    session.event.owners.add(organiser)
    tab = open_tab(organiser)
    page = tab.goto("/manage/events/podcast-workshop/registrations/")
    if variant.is_phone:
        # Each registration is a card: no column, no action hides past the right edge.
        assert page.evaluate(FITS_WITHOUT_SCROLLING)
    # Today's check-in in two steps from the overview (four before: events, registrations,
    # the session's column, then the person).
    page = tab.goto("/manage/")
    tab.click(page.locator(f"a[href$='/sessions/{session.pk}/check-in/']"))
    tab.screenshot("check-in")
    bram = registrations[1]
    toggle = page.locator(f"#registration-{bram.pk} button")
    assert toggle.get_attribute("aria-pressed") == "false"
    if variant.is_phone:
        # A thumb's worth of target on the phone: WCAG 2.5.5 asks for 44x44 CSS pixels.
        box = toggle.bounding_box()
        assert box["height"] >= 44
        assert box["width"] >= 300

    tab.click(toggle)
    assert page.locator(f"#registration-{bram.pk} button").get_attribute("aria-pressed") == "true"
    assert list(Attendance.objects.values_list("registration_id", "session_id")) == [
        (bram.pk, session.pk)
    ]
    other = page.locator(f"#registration-{registrations[0].pk} button")
    assert other.get_attribute("aria-pressed") == "false"


def test_facility_manager_looks_up_an_organisation(open_tab, variant):
    mbo = OrganisationFactory(name="MBO College Hilversum", slug="mbo-college-hilversum")
    UserFactory(name="Lisa Kok", affiliation="partner", organisation=mbo)
    RoomFactory(name="Montageplek", bookable_by=[], organisations_allowed=[mbo.pk])
    manager = verified(UserFactory(groups=["facility_managers"], affiliation="hu"))
    tab = open_tab(manager)
    page = tab.goto("/manage/")
    tab.click(page.locator("a[href$='/manage/organisations/']"))
    tab.click(page.locator("a[href$='/manage/organisations/mbo-college-hilversum/']"))
    assert page.locator("main td", has_text="Lisa Kok").count() == 1
    assert page.locator("#rooms-heading + ul li", has_text="Montageplek").count() == 1
