"""`GET /api/v1/reports/occupancy/`: occupancy per room, location or kind of room, in JSON,
CSV or XLSX (booking.reports adds it up; booking.report_formats writes the downloads)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission

from accounts.roles import may_see_reports
from booking import reports
from booking.report_formats import XLSX_TYPE, ReportSerializer, ReportView
from booking.report_periods import PeriodSerializer


class MaySeeReports(BasePermission):
    """Facility managers, event administrators and report viewers; anyone else 403."""

    message = _("Only facility managers, event administrators and report viewers see reports.")

    def has_permission(self, request, view):
        return may_see_reports(request.user)


class OccupancyQuery(PeriodSerializer):
    group_choices = reports.GROUPS


class OccupancyRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    open_hours = serializers.FloatField()
    booked_hours = serializers.FloatField()
    occupancy = serializers.FloatField(help_text="booked_hours / open_hours, 0 when never open")
    bookings = serializers.IntegerField(help_text="confirmed bookings")
    released_bookings = serializers.IntegerField(help_text="no-shows released (check-in)")
    released_hours = serializers.FloatField()
    seat_hours = serializers.FloatField(help_text="seats rooms only: seat-hours booked")
    seat_capacity_hours = serializers.FloatField(help_text="seats rooms only: seats x open hours")


class OccupancySerializer(ReportSerializer):
    group_by = serializers.ChoiceField(choices=reports.GROUPS)
    rows = OccupancyRowSerializer(many=True)


def period_parameters(group_choices) -> list[OpenApiParameter]:
    return [
        OpenApiParameter(
            "from", OpenApiTypes.DATE, description="first day (Europe/Amsterdam), inclusive"
        ),
        OpenApiParameter("until", OpenApiTypes.DATE, description="last day, inclusive"),
        OpenApiParameter("group_by", str, enum=list(group_choices)),
        OpenApiParameter("format", str, enum=["json", "csv", "xlsx"]),
    ]


def report_responses(serializer) -> dict:
    return {
        (200, "application/json"): serializer,
        (200, "text/csv"): OpenApiTypes.STR,
        (200, XLSX_TYPE): OpenApiTypes.BINARY,
        400: OpenApiResponse(description="bad period, group_by or format"),
        403: OpenApiResponse(description="not allowed to see reports"),
    }


@extend_schema(
    parameters=period_parameters(reports.GROUPS),
    responses=report_responses(OccupancySerializer),
    description="Booked time against each room's opening hours minus closures.",
)
class OccupancyReport(ReportView):
    permission_classes = [MaySeeReports]
    report_name = "occupancy"
    columns = reports.COLUMNS
    query_class = OccupancyQuery

    def rows(self, period, group_by):
        return reports.occupancy_rows(period, group_by)
