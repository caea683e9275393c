"""`/manage/reports/`: the covenant report for the half-yearly steering meeting, and the year
plan's targets. Facility managers, event administrators and report viewers see it; the first
two keep the targets. The figures come from booking.reports, events.reports and
events.year_plan; the charts from events.report_charts."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.errors import add_form_error
from accounts.roles import may_see_reports
from booking import reports as occupancy
from booking.models import Location
from booking.report_periods import LONGEST_PERIOD, Period, half_year_of, half_years
from booking.timezones import CalendarDateField
from events import report_charts as charts
from events import reports as participation
from events import services, year_plan
from events.errors import RegistrationError
from events.models import Programme, YearPlanTarget
from events.services.year_plan import TARGET_FIELDS, may_plan


def _half_year_choices(periods: list[Period]) -> list[tuple[str, str]]:
    return [
        (
            period.first.isoformat(),
            _("%(first)s to %(last)s")
            % {
                "first": formats.date_format(period.first, "j N Y"),
                "last": formats.date_format(period.last, "j N Y"),
            },
        )
        for period in reversed(periods)
    ]


class PeriodForm(forms.Form):
    """A covenant half-year, or any days from `from` to `until`."""

    half_year = forms.ChoiceField(label=gettext_lazy("Half-year"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["half_year"].choices = [
            ("", gettext_lazy("Other period")),
            *_half_year_choices(half_years()),
        ]
        # Day-month-year text fields, as on every page (booking.widgets), not the browser's.
        self.fields["from"] = CalendarDateField(label=gettext_lazy("From"), required=False)
        self.fields["until"] = CalendarDateField(label=gettext_lazy("Until"), required=False)

    def clean(self):
        data = super().clean()
        chosen = data.get("half_year")
        if chosen:
            return {**data, "period": half_year_of(forms.DateField().to_python(chosen))}
        first, last = data.get("from"), data.get("until")
        if self.errors:
            return data
        current = half_year_of(last or first or _today())
        first, last = first or current.first, last or half_year_of(first or current.first).last
        if first > last:
            self.add_error("until", _("The last day comes before the first (from)."))
        elif last >= first + LONGEST_PERIOD:
            self.add_error("until", _("A report covers at most 3 years."))
        return {**data, "period": Period(first, last)}


def _today():
    from django.utils import timezone

    return timezone.localdate()


class TargetForm(forms.ModelForm):
    half_year_start = forms.ChoiceField(label=gettext_lazy("Half-year"))

    class Meta:
        model = YearPlanTarget
        fields = TARGET_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The covenant's half-years up to a year ahead, the latest first.
        upcoming = half_years(_today().replace(year=_today().year + 1))
        self.fields["half_year_start"].choices = _half_year_choices(upcoming)
        self.fields["half_year_start"].initial = half_year_of(_today()).first.isoformat()
        self.fields["location"].queryset = Location.objects.order_by("name")
        self.fields["programme"].queryset = Programme.objects.order_by("name")

    def validate_unique(self):
        # services.record_target changes an existing target instead of refusing it.
        pass


def _page_context(period: Period) -> dict:
    rooms = occupancy.room_figures([period])
    by_location = occupancy.group(rooms, "location")
    by_kind = occupancy.group(rooms, "kind")
    peak, idle = occupancy.peak_and_idle(rooms)
    heat = occupancy.heat_map(period)
    participation_by = {
        group_by: participation.participation_rows(period, group_by)
        for group_by in participation.GROUPS
    }
    in_rooms, elsewhere = participation.llo_sessions(period)
    plan_periods, plan_lines = year_plan.lines()
    return {
        "period": period,
        "total": occupancy.total(rooms),
        "by_location": by_location,
        "by_kind": by_kind,
        "peak": peak,
        "idle": idle,
        "seats_rooms": [room for room in rooms if room.by_seat],
        "heat": heat,
        "heat_rows": _heat_rows(heat),
        "charts": _charts(by_location, by_kind, heat, participation_by, in_rooms, elsewhere),
        "participation": participation_by,
        "llo": {"in_rooms": in_rooms, "elsewhere": elsewhere},
        "plan_periods": plan_periods,
        "plan_lines": [
            (line, charts.sparkline([c.actual.value if c.actual else None for c in line.cells]))
            for line in plan_lines
        ],
        "downloads": _downloads(period),
    }


def _heat_rows(heat) -> list[tuple[str, list[str]]]:
    rows = []
    for day in range(7):
        cells = [heat.occupancy(day, hour) for hour in heat.hours]
        rows.append((str(WEEKDAYS_ABBR[day]), ["–" if c is None else _percent(c) for c in cells]))
    return rows


def _percent(value: float) -> str:
    return f"{round(value * 100)} %"


def _charts(by_location, by_kind, heat, participation_by, in_rooms, elsewhere) -> dict:
    def occupancy_chart(id, title, rows):
        return charts.bar_chart(
            id,
            title,
            _("Booked hours as a share of open hours, per group."),
            [(row.label, row.figures.occupancy, _percent(row.figures.occupancy)) for row in rows],
        )

    def people_chart(id, title, rows):
        return charts.bar_chart(
            id,
            title,
            _("Confirmed registrations per group; groups of fewer than 5 people are not shown."),
            [
                (row.label, None, "< 5")
                if row.suppressed
                else (row.label, row.counts["confirmed"], str(row.counts["confirmed"]))
                for row in rows
            ],
        )

    days = [str(WEEKDAYS_ABBR[day]) for day in range(7)]
    return {
        "location": occupancy_chart("chart-location", _("Occupancy per location"), by_location),
        "kind": occupancy_chart("chart-kind", _("Occupancy per kind of room"), by_kind),
        "heat": charts.heat_chart(
            "chart-heat",
            _("Occupancy per weekday and hour"),
            _("Darker is busier; a cell with a dash was closed."),
            days,
            heat.hours,
            heat.occupancy,
        ),
        "programme": people_chart(
            "chart-programme",
            _("Confirmed registrations per programme"),
            participation_by["programme"],
        ),
        "theme": people_chart(
            "chart-theme", _("Confirmed registrations per theme"), participation_by["theme"]
        ),
        "affiliation": people_chart(
            "chart-affiliation",
            _("Confirmed registrations per affiliation"),
            participation_by["affiliation"],
        ),
        "llo": charts.bar_chart(
            "chart-llo",
            _("LLO sessions: in our rooms and elsewhere"),
            _("Sessions of LLO courses that started in the period."),
            [
                (_("In our rooms"), in_rooms, str(in_rooms)),
                (_("Elsewhere"), elsewhere, str(elsewhere)),
            ],
        ),
    }


def _downloads(period: Period) -> list[dict]:
    result = []
    for name, url_name, groups in (
        (_("Occupancy"), "api-report-occupancy", occupancy.GROUPS),
        (_("Participation"), "api-report-participation", participation.GROUPS),
    ):
        for group_by in groups:
            query = {"from": period.first, "until": period.last, "group_by": group_by}
            base = reverse(url_name)
            result.append(
                {
                    "name": name,
                    "group_by": group_by,
                    "csv": f"{base}?{urlencode({**query, 'format': 'csv'})}",
                    "xlsx": f"{base}?{urlencode({**query, 'format': 'xlsx'})}",
                }
            )
    return result


def _require_reports(request) -> None:
    if not may_see_reports(request.user):
        raise PermissionDenied


@login_required
def report_page(request):
    _require_reports(request)
    period_form = PeriodForm(request.GET or None)
    if period_form.is_bound and period_form.is_valid():
        period = period_form.cleaned_data["period"]
    else:
        period = half_year_of(_today())
    planner = may_plan(request.user)
    target_form = None
    if planner:
        target_form = TargetForm(request.POST or None)
        if request.method == "POST" and target_form.is_valid():
            data = dict(target_form.cleaned_data)
            data["half_year_start"] = forms.DateField().to_python(data["half_year_start"])
            try:
                services.record_target(actor=request.user, **data)
            except RegistrationError as error:
                add_form_error(target_form, error)
            else:
                messages.success(request, _("The target is saved."))
                return redirect(request.get_full_path())
    elif request.method == "POST":
        raise PermissionDenied
    context = _page_context(period)
    context.update({"period_form": period_form, "target_form": target_form, "may_plan": planner})
    return render(request, "events/reports/page.html", context)


@require_POST
@login_required
def target_remove(request, pk: int):
    _require_reports(request)
    target = get_object_or_404(YearPlanTarget, pk=pk)
    try:
        services.remove_target(actor=request.user, target=target)
    except RegistrationError as error:
        raise PermissionDenied(str(error.message)) from error
    messages.success(request, _("The target is removed."))
    return redirect("events:manage-reports")
