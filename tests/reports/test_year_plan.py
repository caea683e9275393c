"""The year plan: targets per covenant half-year beside the actual figures."""

from datetime import date
from decimal import Decimal

import pytest

from booking.report_periods import Period, half_year_of, half_years
from events import services, year_plan
from events.errors import RegistrationError
from events.models import Measure, YearPlanTarget
from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import OrganisationFactory, UserFactory
from tests.reports.conftest import at, booked

pytestmark = pytest.mark.django_db

SPRING = date(2026, 3, 28)
AUTUMN = date(2026, 9, 28)


@pytest.mark.parametrize(
    ("day", "first", "last"),
    [
        (date(2026, 3, 27), date(2025, 9, 28), date(2026, 3, 27)),
        (date(2026, 3, 28), date(2026, 3, 28), date(2026, 9, 27)),
        (date(2026, 9, 27), date(2026, 3, 28), date(2026, 9, 27)),
        (date(2026, 12, 31), date(2026, 9, 28), date(2027, 3, 27)),
        (date(2024, 2, 29), date(2023, 9, 28), date(2024, 3, 27)),
    ],
)
def test_half_year_of(day, first, last):
    assert half_year_of(day) == Period(first, last)


def test_half_years_start_with_the_covenant():
    periods = half_years(date(2026, 12, 5))

    assert periods[0] == Period(date(2023, 3, 28), date(2023, 9, 27))
    assert periods[-1] == Period(date(2026, 9, 28), date(2027, 3, 27))
    assert len(periods) == 8


@pytest.fixture
def planner(db):
    return UserFactory(groups=["facility_managers"])


def test_record_target_twice_changes_its_value(planner):
    for value in (100, 125):
        services.record_target(
            actor=planner,
            half_year_start=AUTUMN,
            measure=Measure.PEOPLE_BOOKED,
            affiliation="hu",
            target=Decimal(value),
        )

    assert list(YearPlanTarget.objects.values_list("target", flat=True)) == [Decimal(125)]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"half_year_start": date(2026, 4, 1)}, "half_year_start"),
        ({"half_year_start": date(2022, 9, 28)}, "half_year_start"),
        ({"measure": Measure.OCCUPANCY, "target": Decimal(101)}, "target"),
        ({"target": Decimal(-1)}, "target"),
        ({"measure": Measure.OCCUPANCY, "theme": "media_ict"}, "theme"),
        ({"measure": "bogus"}, "measure"),
    ],
)
def test_record_target_refuses_bad_input(planner, fields, field):
    given = {"half_year_start": AUTUMN, "measure": Measure.SESSIONS, "target": Decimal(5)}

    with pytest.raises(RegistrationError) as refused:
        services.record_target(actor=planner, **{**given, **fields})

    assert refused.value.field == field
    assert not YearPlanTarget.objects.exists()


def test_report_viewers_and_organisers_cannot_plan(db):
    for groups in (["report_viewers"], ["event_organisers"]):
        with pytest.raises(RegistrationError) as refused:
            services.record_target(
                actor=UserFactory(groups=groups),
                half_year_start=AUTUMN,
                measure=Measure.SESSIONS,
                target=Decimal(5),
            )
        assert refused.value.code == "forbidden"


def test_the_database_refuses_a_day_that_starts_no_half_year(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        YearPlanTarget.objects.create(
            half_year_start=date(2026, 4, 1), measure=Measure.SESSIONS, target=1
        )


def test_year_plan_sets_actuals_beside_targets(planner):
    lab = RoomFactory(
        kind="lab", location=LocationFactory(hours=dict.fromkeys(range(7), ("09:00", "17:00")))
    )
    students = [UserFactory(affiliation="hu") for _ in range(6)]
    # Five HU students booked in the spring half-year (one twice), one in the autumn one.
    for hour, student in enumerate(students[:5], start=9):
        start = at(date(2026, 5, 4), f"{hour:02d}:00")
        booked(lab, start, at(date(2026, 5, 4), f"{hour:02d}:30"), user=student)
    booked(lab, at(date(2026, 5, 5), "09:00"), at(date(2026, 5, 5), "10:00"), user=students[0])
    booked(lab, at(date(2026, 10, 5), "09:00"), at(date(2026, 10, 5), "10:00"), user=students[5])
    for start in (SPRING, AUTUMN):
        services.record_target(
            actor=planner,
            half_year_start=start,
            measure=Measure.PEOPLE_BOOKED,
            affiliation="hu",
            room_kind="lab",
            target=Decimal(5),
        )

    _periods, lines = year_plan.lines(today=date(2026, 12, 5))

    (line,) = lines
    by_start = {cell.period.first: cell for cell in line.cells}
    assert by_start[SPRING].target == 5
    assert by_start[SPRING].actual.value == 5
    assert by_start[SPRING].met is True
    # One person: suppressed, so no target can be said to be met or missed.
    assert by_start[AUTUMN].actual.suppressed is True
    assert by_start[AUTUMN].met is None
    assert by_start[date(2025, 9, 28)].actual.value == 0
    assert line.description == "Hogeschool Utrecht, Lab"


def test_occupancy_target_uses_the_occupancy_figures(planner):
    location = LocationFactory(hours=dict.fromkeys(range(7), ("09:00", "17:00")))
    room = RoomFactory(location=location)
    booked(room, at(date(2026, 10, 5), "09:00"), at(date(2026, 10, 5), "13:00"))
    services.record_target(
        actor=planner,
        half_year_start=AUTUMN,
        measure=Measure.OCCUPANCY,
        location=location,
        target=Decimal(50),
    )

    (actual,) = year_plan.actuals(
        Measure.OCCUPANCY,
        year_plan.Filter(location_id=location.pk),
        [Period(AUTUMN, AUTUMN + (date(2026, 10, 5) - AUTUMN))],
    )

    # 4 of 8 days x 8 hours: 28 September to 5 October is 8 days, 64 open hours.
    assert actual.value == round(4 / 64 * 100, 1)


def test_admin_records_a_target_through_the_service(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post(
        "/en/admin/events/yearplantarget/add/",
        {
            "half_year_start": "2026-09-28",
            "measure": "occupancy",
            "target": "120",
            "affiliation": "",
            "room_kind": "",
            "event_kind": "",
            "theme": "",
            "note": "",
        },
    )

    # The service's check refuses a percentage over 100; the form says so, nothing is saved.
    assert response.status_code == 200
    assert "A percentage lies between 0 and 100." in response.content.decode()
    assert not YearPlanTarget.objects.exists()
    client.post(
        "/en/admin/events/yearplantarget/add/",
        {"half_year_start": "2026-09-28", "measure": "occupancy", "target": "60"},
    )
    assert YearPlanTarget.objects.get().recorded_by == admin


def test_only_a_planner_removes_a_target(planner):
    target = services.record_target(
        actor=planner, half_year_start=AUTUMN, measure=Measure.SESSIONS, target=Decimal(5)
    )

    with pytest.raises(RegistrationError) as refused:
        services.remove_target(actor=UserFactory(groups=["report_viewers"]), target=target)
    assert refused.value.code == "forbidden"
    assert YearPlanTarget.objects.filter(pk=target.pk).exists()

    services.remove_target(actor=UserFactory(groups=["event_administrators"]), target=target)
    assert not YearPlanTarget.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"measure": "bogus"}, "measure", "Choose one of the measures."),
        (
            {"half_year_start": date(2022, 9, 28)},
            "half_year_start",
            "A half-year of the covenant starts on 28 March or 28 September, from 2023.",
        ),
        ({"target": Decimal(-1)}, "target", "A target is 0 or more."),
        (
            {"measure": Measure.OCCUPANCY, "target": Decimal(101)},
            "target",
            "A percentage lies between 0 and 100.",
        ),
        (
            {"measure": Measure.OCCUPANCY, "theme": "media_ict"},
            "theme",
            "This measure cannot be filtered by theme.",
        ),
        (
            {"measure": Measure.PEOPLE_BOOKED, "affiliation": "hu", "organisation": "org"},
            "organisation",
            "Filter by an affiliation or an organisation, not both.",
        ),
    ],
)
def test_a_refused_target_says_why(planner, fields, field, message):
    if fields.get("organisation") == "org":
        fields = {**fields, "organisation": OrganisationFactory()}
    given = {"half_year_start": AUTUMN, "measure": Measure.SESSIONS, "target": Decimal(5)}

    with pytest.raises(RegistrationError) as refused:
        services.record_target(actor=planner, **{**given, **fields})

    assert (refused.value.field, str(refused.value.message)) == (field, message)


def test_targets_on_their_limits_are_recorded(planner):
    services.record_target(
        actor=planner,
        half_year_start=date(2023, 3, 28),
        measure=Measure.SESSIONS,
        target=Decimal(0),
    )
    services.record_target(
        actor=planner, half_year_start=AUTUMN, measure=Measure.OCCUPANCY, target=Decimal(100)
    )

    assert sorted(YearPlanTarget.objects.values_list("target", flat=True)) == [0, 100]


def test_a_refused_planner_is_told_who_keeps_the_year_plan(db):
    with pytest.raises(RegistrationError) as refused:
        services.record_target(
            actor=UserFactory(), half_year_start=AUTUMN, measure=Measure.SESSIONS, target=Decimal(5)
        )

    assert str(refused.value.message) == (
        "Only facility managers and event administrators keep the year plan."
    )
