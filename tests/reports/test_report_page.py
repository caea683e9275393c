"""/manage/reports/: who sees it, what it shows, the year plan's form."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events.models import YearPlanTarget
from tests.factories import UserFactory
from tests.reports.conftest import MONDAY, TUESDAY
from tests.reports.test_participation import programme  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

PAGE = "/manage/reports/"


def signed_in(*groups, **fields) -> Client:
    client = Client()
    user = UserFactory(groups=list(groups), **fields)
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.parametrize("groups", [[], ["event_organisers"]])
def test_report_page_refuses_people_without_the_role(groups):
    assert signed_in(*groups).get(PAGE).status_code == 403


@pytest.mark.parametrize("group", ["facility_managers", "event_administrators", "report_viewers"])
@pytest.mark.parametrize("prefix", ["", "/en"])
def test_report_page_shows_charts_with_tables(group, prefix):
    response = signed_in(group).get(f"{prefix}{PAGE}")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('role="img"') >= 5
    assert '<title id="chart-location-title">' in html
    assert "css/reports.css" in html
    assert "format=xlsx" in html


def test_report_page_is_linked_from_the_dashboard_for_report_viewers():
    client = signed_in("report_viewers")

    overview = client.get("/en/manage/")

    assert overview.status_code == 200
    assert 'href="/en/manage/reports/"' in overview.content.decode()
    assert 'href="/en/manage/"' in overview.content.decode()  # the nav's Manage link


def test_report_page_suppresses_small_groups(programme):  # noqa: F811
    client = signed_in("report_viewers")

    response = client.get(PAGE, {"from": MONDAY, "until": TUESDAY})

    html = response.content.decode()
    assert "&lt; 5" in html
    for name in UserFactory._meta.model.objects.exclude(pk=client.user.pk).values_list(
        "name", flat=True
    ):
        assert name not in html


def test_report_page_takes_a_half_year(programme):  # noqa: F811
    response = signed_in("report_viewers").get(PAGE, {"half_year": "2026-03-28"})

    assert response.status_code == 200
    assert response.context["period"].first == date(2026, 3, 28)
    assert response.context["period"].last == date(2026, 9, 27)


def test_report_page_refuses_a_period_backwards():
    response = signed_in("report_viewers").get(
        "/en" + PAGE, {"from": "2026-06-02", "until": "2026-06-01"}
    )

    assert response.status_code == 200
    assert "The last day comes before the first" in response.content.decode()


def test_a_facility_manager_records_a_target():
    client = signed_in("facility_managers")

    response = client.post(
        PAGE,
        {
            "half_year_start": "2026-09-28",
            "measure": "people_booked",
            "target": "125",
            "affiliation": "hu",
            "note": "HU-studenten in het Lab",
        },
    )

    assert response.status_code == 302
    target = YearPlanTarget.objects.get()
    assert (target.measure, target.affiliation, target.target) == ("people_booked", "hu", 125)
    page = client.get(PAGE).content.decode()
    assert "HU-studenten in het Lab" in page


def test_a_target_outside_the_measures_filters_is_refused():
    client = signed_in("event_administrators")

    response = client.post(
        "/en" + PAGE,
        {"half_year_start": "2026-09-28", "measure": "occupancy", "target": "120"},
    )

    assert response.status_code == 200
    assert "A percentage lies between 0 and 100." in response.content.decode()
    assert not YearPlanTarget.objects.exists()


def test_report_viewers_cannot_record_targets():
    response = signed_in("report_viewers").post(
        PAGE, {"half_year_start": "2026-09-28", "measure": "sessions", "target": "5"}
    )

    assert response.status_code == 403
    assert not YearPlanTarget.objects.exists()


def test_report_page_queries_do_not_grow_with_data(programme):  # noqa: F811
    from tests.factories import EventFactory, OrganisationFactory, SessionFactory
    from tests.reports.conftest import at
    from tests.reports.test_participation import registered

    client = signed_in("facility_managers")
    YearPlanTarget.objects.create(
        half_year_start=date(2026, 3, 28), measure="sessions", target=Decimal(10)
    )
    query = {"from": MONDAY, "until": TUESDAY}
    client.get(PAGE, query)
    with CaptureQueriesContext(connection) as before:
        client.get(PAGE, query)
    event = EventFactory(programme=programme)
    SessionFactory(event=event, start=at(MONDAY, "18:00"), end=at(MONDAY, "19:00"))
    for _ in range(6):
        registered(event, UserFactory(organisation=OrganisationFactory()))

    with CaptureQueriesContext(connection) as after:
        client.get(PAGE, query)

    assert len(after) == len(before)
