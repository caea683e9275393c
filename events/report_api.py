"""`GET /api/v1/reports/participation/`: participation per programme, theme, kind of
event, affiliation or organisation, in JSON, CSV or XLSX (events.reports adds it up)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from booking.report_api import MaySeeReports, period_parameters, report_responses
from booking.report_formats import ReportSerializer, ReportView
from booking.report_periods import PeriodSerializer
from events import reports


class ParticipationQuery(PeriodSerializer):
    group_choices = reports.GROUPS


class ParticipationRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    sessions = serializers.IntegerField(allow_null=True)
    registrations = serializers.IntegerField(allow_null=True)
    confirmed = serializers.IntegerField(allow_null=True)
    waitlisted = serializers.IntegerField(allow_null=True)
    cancelled = serializers.IntegerField(allow_null=True)
    attended = serializers.IntegerField(allow_null=True)
    no_shows = serializers.IntegerField(allow_null=True)
    people = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField(
        help_text="a group of 1 to 4 people by affiliation or organisation: every count null"
    )


class ParticipationSerializer(ReportSerializer):
    group_by = serializers.ChoiceField(choices=reports.GROUPS)
    rows = ParticipationRowSerializer(many=True)


@extend_schema(
    parameters=period_parameters(reports.GROUPS),
    responses=report_responses(ParticipationSerializer),
    description="Events with a session starting in the period, and their registrations.",
)
class ParticipationReport(ReportView):
    permission_classes = [MaySeeReports]
    report_name = "participation"
    columns = reports.COLUMNS
    query_class = ParticipationQuery

    def rows(self, period, group_by):
        return reports.participation_rows(period, group_by)
