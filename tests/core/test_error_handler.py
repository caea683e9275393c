"""The one DRF exception handler (accounts.errors): every code of a domain error, with and
without a field, through HTTP. A view of this module raises what the query string asks for;
the apps' own refusals are tested at their endpoints (tests/booking, tests/events)."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import path
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from accounts.errors import DomainError
from booking.errors import BookingError
from events.errors import RegistrationError

WINTER = (datetime(2027, 1, 11, 9, 0, tzinfo=UTC), datetime(2027, 1, 11, 10, 0, tzinfo=UTC))
SUMMER = (datetime(2027, 7, 12, 8, 0, tzinfo=UTC), datetime(2027, 7, 12, 9, 0, tzinfo=UTC))
ERRORS = {"domain": DomainError, "booking": BookingError, "registration": RegistrationError}


class Refuse(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        params = request.query_params
        if params.get("drf"):
            raise ValidationError({"title": ["DRF's own."]})
        if params.get("write"):
            Group.objects.create(name="written before the refusal")
        if params.get("lazy"):
            raise DomainError(gettext_lazy("The end must be after the start."))
        raise ERRORS[params.get("app", "domain")](
            "Refused.",
            code=params["code"],
            field=params.get("field"),
            conflicts=[WINTER, SUMMER] if params.get("conflicts") else (),
        )


urlpatterns = [path("api/v1/refuse/", Refuse.as_view())]

pytestmark = pytest.mark.urls(__name__)


@pytest.mark.parametrize(
    ("query", "status", "body"),
    [
        ({"code": "invalid", "field": "room"}, 400, {"room": ["Refused."]}),
        ({"code": "invalid"}, 400, {"detail": "Refused."}),
        ({"code": "forbidden"}, 403, {"detail": "Refused."}),
        # Only bad input is tied to a field; a refusal about a field is still a refusal.
        ({"code": "forbidden", "field": "room"}, 403, {"detail": "Refused."}),
        ({"code": "not_found"}, 404, {"detail": "Refused."}),
        ({"code": "not_found", "field": "session"}, 404, {"detail": "Refused."}),
        ({"code": "conflict"}, 409, {"detail": "Refused.", "conflicts": []}),
        ({"code": "conflict", "field": "start"}, 409, {"detail": "Refused.", "conflicts": []}),
        ({"code": "quota"}, 409, {"detail": "Refused.", "code": "quota"}),
    ],
)
def test_domain_error_is_answered_with_its_status_and_shape(api_client, query, status, body):
    response = api_client.get("/api/v1/refuse/", query)

    assert response.status_code == status
    assert response.json() == body


def test_domain_error_conflicts_carry_amsterdam_offsets(api_client):
    response = api_client.get("/api/v1/refuse/", {"code": "conflict", "conflicts": "1"})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Refused.",
        "conflicts": [
            {"start": "2027-01-11T10:00:00+01:00", "end": "2027-01-11T11:00:00+01:00"},
            {"start": "2027-07-12T10:00:00+02:00", "end": "2027-07-12T11:00:00+02:00"},
        ],
    }


@pytest.mark.parametrize("app", ["booking", "registration"])
def test_domain_error_of_each_app_goes_through_the_one_handler(api_client, app):
    response = api_client.get("/api/v1/refuse/", {"app": app, "code": "invalid", "field": "start"})

    assert response.status_code == 400
    assert response.json() == {"start": ["Refused."]}


def test_domain_error_message_is_translated_for_the_client(api_client):
    response = api_client.get("/api/v1/refuse/", {"lazy": "1"}, HTTP_ACCEPT_LANGUAGE="nl")

    assert response.status_code == 400
    assert response.json() == {"detail": "Het einde moet na het begin liggen."}


def test_drf_errors_keep_drf_shape_under_the_handler(api_client):
    response = api_client.get("/api/v1/refuse/", {"drf": "1"})

    assert response.status_code == 400
    assert response.json() == {"title": ["DRF's own."]}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("atomic_requests", [True, False])
def test_domain_error_rolls_back_the_request_under_atomic_requests(
    api_client, monkeypatch, atomic_requests
):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", atomic_requests)

    response = api_client.get("/api/v1/refuse/", {"code": "conflict", "write": "1"})

    assert response.status_code == 409
    # The control (no ATOMIC_REQUESTS) shows the write would otherwise stay.
    assert Group.objects.filter(name="written before the refusal").exists() is not atomic_requests


def test_domain_error_with_unknown_code_is_refused_when_raised():
    with pytest.raises(ValueError, match="unknown BookingError code 'gone'"):
        BookingError("Refused.", code="gone")
