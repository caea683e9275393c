"""The periods the covenant reports cover: whole Europe/Amsterdam days, and the covenant's
half-years (28 March to 27 September, 28 September to 27 March, from 28 March 2023), which
the steering group reviews. Pure functions, and the one check of a period asked for."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from booking.timezones import LOCAL_TZ, OUT_OF_RANGE_MESSAGE, within_calendar

COVENANT_START = date(2023, 3, 28)
# The two half-years start on these (month, day) dates.
HALF_YEAR_STARTS = ((3, 28), (9, 28))
LONGEST_PERIOD = relativedelta(years=3)


@dataclass(frozen=True)
class Period:
    """[first, last] whole local days."""

    first: date
    last: date

    @property
    def since(self) -> datetime:
        """The first day's start, an instant."""
        return datetime.combine(self.first, time(0), LOCAL_TZ)

    @property
    def until(self) -> datetime:
        """The start of the day after the last: the period is [since, until)."""
        return datetime.combine(self.last + timedelta(days=1), time(0), LOCAL_TZ)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def half_year_of(day: date) -> Period:
    """The covenant half-year that `day` falls in."""
    spring = date(day.year, *HALF_YEAR_STARTS[0])
    autumn = date(day.year, *HALF_YEAR_STARTS[1])
    if day >= autumn:
        first = autumn
    elif day >= spring:
        first = spring
    else:
        first = date(day.year - 1, *HALF_YEAR_STARTS[1])
    return Period(first, first + relativedelta(months=6) - timedelta(days=1))


def is_half_year_start(day: date) -> bool:
    return (day.month, day.day) in HALF_YEAR_STARTS


def half_years(until: date | None = None) -> list[Period]:
    """Every half-year from the covenant's start up to the one `until` (today) falls in."""
    last = half_year_of(until or timezone.localdate())
    periods = []
    current = half_year_of(COVENANT_START)
    while current.first <= last.first:
        periods.append(current)
        current = half_year_of(current.last + timedelta(days=1))
    return periods


def half_year_label(period: Period) -> str:
    """ "2026-1" for the half-year from 28 March 2026, "2026-2" for the one from 28 September."""
    return f"{period.first.year}-{1 if period.first.month == HALF_YEAR_STARTS[0][0] else 2}"


class CalendarDate(serializers.DateField):
    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not within_calendar(day):
            raise serializers.ValidationError(OUT_OF_RANGE_MESSAGE, code="out_of_range")
        return day


class PeriodSerializer(serializers.Serializer):
    """`from` and `until` (inclusive, YYYY-MM-DD; the half-year of the one given, or of
    today, fills in what is left out) and
    `group_by`, one of `group_choices` of the subclass."""

    group_choices: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = CalendarDate(required=False)
        self.fields["group_by"] = serializers.ChoiceField(
            choices=self.group_choices, required=False, default=self.group_choices[0]
        )

    until = CalendarDate(required=False)

    def validate(self, data):
        # What is left out comes from the half-year of what is given, or of today.
        first, last = data.get("from"), data.get("until")
        first = first or half_year_of(last or timezone.localdate()).first
        last = last or half_year_of(first).last
        if first > last:
            raise serializers.ValidationError(
                {"until": [_("The last day comes before the first (from).")]}, code="invalid"
            )
        if last >= first + LONGEST_PERIOD:
            raise serializers.ValidationError(
                {"until": [_("A report covers at most 3 years.")]}, code="invalid"
            )
        return {"period": Period(first, last), "group_by": data["group_by"]}
