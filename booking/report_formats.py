"""The reports' downloads: `?format=csv` and `?format=xlsx` of a report endpoint, one row
per group with the JSON's column names. DRF picks the renderer by `format`; an error is
answered in JSON whatever was asked for (see ReportView)."""

import csv
import io

from django.http import Http404
from django.utils.translation import gettext as _
from openpyxl import Workbook
from rest_framework import renderers, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from booking.report_periods import Period

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these runs as a formula in a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return f"'{value}"
    return value


def table(data: dict, renderer_context) -> tuple[list[str], list[list]]:
    """The column names (the view's `columns`, in order) and rows of a report's body."""
    columns = list(renderer_context["view"].columns)
    rows = [[safe_cell(row.get(name)) for name in columns] for row in data["rows"]]
    return columns, rows


def filename(data: dict, renderer_context, extension: str) -> str:
    name = renderer_context["view"].report_name
    return f"{name}-{data['group_by']}-{data['from']}-{data['until']}.{extension}"


class CsvRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        columns, rows = table(data, renderer_context)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        # A suppressed count is an empty cell, as null is in the JSON.
        writer.writerows(["" if value is None else value for value in row] for row in rows)
        _attach(renderer_context, filename(data, renderer_context, "csv"))
        return out.getvalue().encode("utf-8")


class XlsxRenderer(renderers.BaseRenderer):
    media_type = XLSX_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        columns, rows = table(data, renderer_context)
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = renderer_context["view"].report_name
        sheet.append(columns)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        _attach(renderer_context, filename(data, renderer_context, "xlsx"))
        return out.getvalue()


def _attach(renderer_context, name: str) -> None:
    response = (renderer_context or {}).get("response")
    if response is not None:
        response["Content-Disposition"] = f'attachment; filename="{name}"'


class ReportView(APIView):
    """A report in JSON, CSV or XLSX; bad input is a 400 in JSON naming the field."""

    renderer_classes = [renderers.JSONRenderer, CsvRenderer, XlsxRenderer]
    report_name = ""
    columns: tuple[str, ...] = ()
    query_class = None  # a PeriodSerializer naming the report's group_by choices

    def rows(self, period: Period, group_by: str) -> list:
        raise NotImplementedError

    def get(self, request):
        query = self.query_class(data=request.query_params)
        query.is_valid(raise_exception=True)
        period, group_by = query.validated_data["period"], query.validated_data["group_by"]
        rows = [row.as_dict() for row in self.rows(period, group_by)]
        return Response({**period_fields(period), "group_by": group_by, "rows": rows})

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            # DRF answers an unknown ?format= with a 404; it is bad input.
            raise ValidationError({"format": [_("Choose json, csv or xlsx.")]}) from None

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400:
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class ReportSerializer(serializers.Serializer):
    """The schema of a report's JSON: its period ("from" is a Python keyword), then rows."""

    from_ = serializers.DateField()
    until = serializers.DateField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")
        return fields


def period_fields(period: Period) -> dict:
    return {"from": period.first.isoformat(), "until": period.last.isoformat()}
