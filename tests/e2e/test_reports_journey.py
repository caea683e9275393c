"""Journey: a facility manager opens the covenant report from /manage/, picks a half-year,
and records a year-plan target (in Dutch and English, on a desktop and a phone)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import BookingMode, BookingStatus, RoomKind
from booking.report_periods import half_year_of
from events.models import Attendance, Measure, RegistrationStatus, Session, YearPlanTarget
from tests.booking.factories import LocationFactory, RoomFactory
from tests.e2e.conftest import verified
from tests.factories import EventFactory, OrganisationFactory, ProgrammeFactory, UserFactory
from tests.reports.conftest import at, booked
from tests.reports.test_participation import registered

pytestmark = pytest.mark.e2e


@pytest.fixture
def covenant_data():
    """A few weeks of bookings and a course in the current half-year."""
    today = timezone.localdate()
    first = max(half_year_of(today).first, today - timedelta(days=21))
    centre = LocationFactory(
        slug="lab-in-het-centrum",
        name="Lab in het Centrum",
        hours=dict.fromkeys(range(7), ("08:00", "22:00")),
    )
    park = LocationFactory(
        slug="media-park", name="Media Park", hours=dict.fromkeys(range(5), ("08:30", "17:30"))
    )
    lab = RoomFactory(slug="immersive-lab", name="Immersive Lab", location=centre)
    newsroom = RoomFactory(
        slug="newsroom",
        name="Newsroom",
        location=centre,
        kind=RoomKind.WORKSPACE,
        capacity=24,
        booking_mode=BookingMode.SEATS,
    )
    studio = RoomFactory(slug="studio-21", name="Studio 21", location=park, kind=RoomKind.STUDIO)
    people = [UserFactory(affiliation="hu") for _ in range(6)]
    day = first
    while day < today:
        booked(lab, at(day, "09:00"), at(day, "12:00"), user=people[day.day % 6])
        booked(newsroom, at(day, "10:00"), at(day, "16:00"), attendees=12, whole=False)
        if day.weekday() < 5:
            booked(studio, at(day, "13:00"), at(day, "18:00"), user=people[0])
        booked(lab, at(day, "14:00"), at(day, "15:00"), status=BookingStatus.RELEASED)
        day += timedelta(days=1)
    programme = ProgrammeFactory(slug="llo-2026", name="LLO-catalogus", title_en="LLO catalogue")
    course = EventFactory(programme=programme, kind="llo_course", theme="media_ict")
    booking = booked(studio, at(first, "19:00"), at(first, "21:00"))
    session = Session.objects.create(
        event=course, start=booking.start, end=booking.end, room=studio, booking=booking
    )
    college = OrganisationFactory(slug="mbo", name="MBO College Hilversum")
    for index in range(8):
        person = UserFactory(affiliation="partner", organisation=college)
        registration = registered(course, person)
        if index < 6:
            Attendance.objects.create(
                registration=registration, session=session, checked_in_at=session.start
            )
    registered(course, UserFactory(affiliation="public"), RegistrationStatus.WAITLISTED, 1)
    YearPlanTarget.objects.create(
        half_year_start=half_year_of(today).first,
        measure=Measure.SESSIONS_IN_OUR_ROOMS,
        event_kind="llo_course",
        target=80,
        note="LLO in onze zalen",
    )
    return first


def test_facility_manager_reads_the_report_and_records_a_target(open_tab, covenant_data):
    manager = verified(UserFactory(groups=["facility_managers"], affiliation="hu"))
    tab = open_tab(manager)
    page = tab.goto("/manage/")
    tab.click(page.locator("main a[href$='/manage/reports/']"))
    assert page.locator("svg[role=img] title").count() >= 5
    assert page.locator("text=< 5").count() >= 1  # the single public person on the waitlist

    current = half_year_of(timezone.localdate())
    page.locator("#id_half_year").select_option(current.first.isoformat())
    tab.click(page.locator("form.report-period button[type=submit]"))
    assert f"half_year={current.first.isoformat()}" in page.url
    # The weeks so far, for the meeting's papers.
    page.locator("#id_half_year").select_option("")
    page.locator("#id_from").fill(covenant_data.isoformat())
    page.locator("#id_until").fill((timezone.localdate() - timedelta(days=1)).isoformat())
    tab.click(page.locator("form.report-period button[type=submit]"))
    assert page.locator(".period-line").count() == 1
    tab.screenshot("covenant-report")

    tab.reveal(page.locator("details.plan-form summary"))
    page.locator("#id_measure").select_option("people_booked")
    page.locator("#id_affiliation").select_option("hu")
    page.locator("#id_target").fill("125")
    page.locator("#id_note").fill("HU students in the Lab")
    tab.click(page.locator("details.plan-form form.stacked-form button[type=submit]"))

    assert page.locator(".messages .message-success").count() == 1
    target = YearPlanTarget.objects.get(measure="people_booked")
    assert (target.affiliation, target.target) == ("hu", 125)
    assert page.locator(".plan-table", has_text="HU students in the Lab").count() == 1
