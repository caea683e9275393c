"""Who may see the reports, the downloads, and bad input."""

import csv
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from tests.reports.conftest import MONDAY, TUESDAY, api_as
from tests.reports.test_participation import programme  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

REPORTS = ["/api/v1/reports/occupancy/", "/api/v1/reports/participation/"]


@pytest.mark.parametrize("url", REPORTS)
@pytest.mark.parametrize("groups", [[], ["event_organisers"]])
def test_reports_refuse_people_without_the_role(url, groups):
    response = api_as(*groups).get(url)

    assert response.status_code == 403


@pytest.mark.parametrize("url", REPORTS)
def test_reports_ask_to_sign_in(db, url):
    assert APIClient().get(url).status_code in (401, 403)


@pytest.mark.parametrize("url", REPORTS)
@pytest.mark.parametrize(
    "role",
    [
        {"groups": ["facility_managers"]},
        {"groups": ["event_administrators"]},
        {"groups": ["report_viewers"]},
        {"is_superuser": True},
    ],
)
def test_reports_answer_each_allowed_role(url, role):
    fields = dict(role)
    groups = fields.pop("groups", [])

    response = api_as(*groups, **fields).get(url)

    assert response.status_code == 200
    assert set(response.json()) == {"from", "until", "group_by", "rows"}


def test_report_without_a_period_covers_the_current_half_year(viewer_api):
    from django.utils import timezone

    from booking.report_periods import half_year_of

    body = viewer_api.get(REPORTS[0]).json()

    current = half_year_of(timezone.localdate())
    assert (body["from"], body["until"]) == (str(current.first), str(current.last))
    assert body["group_by"] == "room"


def test_participation_as_csv(viewer_api, programme):  # noqa: F811
    response = viewer_api.get(
        REPORTS[1], {"from": MONDAY, "until": TUESDAY, "group_by": "affiliation", "format": "csv"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="participation-affiliation-2026-06-01-2026-06-02.csv"'
        in (response["Content-Disposition"])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        [
            "key",
            "label",
            "sessions",
            "registrations",
            "confirmed",
            "waitlisted",
            "cancelled",
            "attended",
            "no_shows",
            "people",
            "suppressed",
        ],
        ["hu", "Hogeschool Utrecht", "", "", "", "", "", "", "", "", "True"],
        ["partner", "Media Park partner", "2", "5", "3", "1", "1", "2", "1", "5", "False"],
    ]


def test_occupancy_as_xlsx(viewer_api):
    from tests.reports.test_occupancy import centre  # noqa: F401

    response = viewer_api.get(
        REPORTS[0], {"from": MONDAY, "until": MONDAY, "group_by": "location", "format": "xlsx"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "occupancy"
    assert [cell.value for cell in sheet[1]] == [
        "key",
        "label",
        "open_hours",
        "booked_hours",
        "occupancy",
        "bookings",
        "released_bookings",
        "released_hours",
        "seat_hours",
        "seat_capacity_hours",
    ]


@pytest.fixture
def one_location(db):
    from tests.booking.factories import LocationFactory, RoomFactory
    from tests.reports.conftest import at, booked

    location = LocationFactory(slug="park", name="=Media Park", hours={0: ("09:00", "17:00")})
    room = RoomFactory(location=location)
    booked(room, at(MONDAY, "09:00"), at(MONDAY, "13:00"))
    return location


def test_occupancy_xlsx_holds_the_figures(viewer_api, one_location):
    response = viewer_api.get(
        REPORTS[0], {"from": MONDAY, "until": TUESDAY, "group_by": "location", "format": "xlsx"}
    )

    sheet = load_workbook(io.BytesIO(response.content)).active
    # A name that starts like a formula stays text.
    assert [cell.value for cell in sheet[2]] == [
        "park",
        "'=Media Park",
        8,
        4,
        0.5,
        1,
        0,
        0,
        0,
        0,
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-06-02", "until": "2026-06-01"}, "until"),
        ({"from": "2023-01-01", "until": "2026-01-01"}, "until"),
        ({"group_by": "people"}, "group_by"),
        ({"from": "not-a-date"}, "from"),
        ({"from": "0001-01-01", "until": "0001-01-02"}, "from"),
        ({"format": "pdf"}, "format"),
        ({"format": "csv", "group_by": "people"}, "group_by"),
    ],
)
@pytest.mark.parametrize("url", REPORTS)
def test_reports_refuse_bad_input_naming_the_field(viewer_api, url, query, field):
    response = viewer_api.get(url, query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()


def test_a_period_of_just_under_three_years_is_allowed(viewer_api):
    response = viewer_api.get(REPORTS[0], {"from": "2023-03-28", "until": "2026-03-27"})

    assert response.status_code == 200


@pytest.mark.parametrize("url", REPORTS)
def test_reports_are_in_the_openapi_schema(client, url):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"][url]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"from", "until", "group_by", "format"}
    assert set(operation["responses"]["200"]["content"]) == {
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
