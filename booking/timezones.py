"""Local time in Europe/Amsterdam, strictly: a wall-clock time that does not exist (the spring
gap) or happens twice (the autumn repeat) is an error, never a silent guess.

Django's `make_aware` and DRF's DateTimeField pick one reading without saying so, which is
how a booking ends up an hour off. Every input of a local time goes through here.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from booking.widgets import (
    DATE_INPUT_FORMATS,
    LocalDateInput,
    LocalDateTimeWidget,
    combine_local,
    date_message,
    parse_local_date,
)

LOCAL_TZ = ZoneInfo(settings.TIME_ZONE)


def local_isoformat(value: datetime) -> str:
    """How the API and the data export write a moment: with its Europe/Amsterdam offset."""
    return timezone.localtime(value, LOCAL_TZ).isoformat()


NONEXISTENT_MESSAGE = _(
    "%(value)s does not exist in Europe/Amsterdam (the clocks skip that hour); "
    "give a time outside the gap or add a UTC offset."
)
AMBIGUOUS_MESSAGE = _(
    "%(value)s happens twice in Europe/Amsterdam (the clocks go back); "
    "add a UTC offset such as +02:00 or +01:00."
)


# Far enough inside datetime's limits (years 1 and 9999) that a week around a date, a day
# either side and the conversion to UTC all stay representable. Nobody books outside them.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9000, 12, 31)
OUT_OF_RANGE_MESSAGE = _("Give a date between 1900 and 9000.")


def within_calendar(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


class LocalTimeError(ValueError):
    def __init__(self, message, value):
        super().__init__(message % {"value": value.strftime("%Y-%m-%d %H:%M")})
        self.message = str(self)
        self.code = "nonexistent" if message is NONEXISTENT_MESSAGE else "ambiguous"


def make_aware_strict(value: datetime, tz: ZoneInfo = LOCAL_TZ) -> datetime:
    """Attach `tz` to a naive wall-clock time, refusing times in the gap or the repeat."""
    if value.tzinfo is not None:
        return value
    earlier = value.replace(tzinfo=tz, fold=0)
    later = value.replace(tzinfo=tz, fold=1)
    round_trip = earlier.astimezone(ZoneInfo("UTC")).astimezone(tz).replace(tzinfo=None)
    if round_trip != value.replace(fold=0):
        raise LocalTimeError(NONEXISTENT_MESSAGE, value)
    if earlier.utcoffset() != later.utcoffset():
        raise LocalTimeError(AMBIGUOUS_MESSAGE, value)
    return earlier


class StrictDateTimeField(serializers.DateTimeField):
    """DRF datetime input: an offset is taken as is; a naive time is Amsterdam wall time.

    The value comes out in UTC. In Amsterdam time, the second pass through the autumn's
    repeated hour is told apart only by `fold`, which Python drops in arithmetic (02:30
    minus a 10-minute buffer lands in the first pass) and ignores when it compares two
    Amsterdam times; in UTC every sum and comparison is the real one.
    """

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if not within_calendar(moment.date()):
            raise serializers.ValidationError(OUT_OF_RANGE_MESSAGE, code="out_of_range")
        return moment.astimezone(UTC)

    def enforce_timezone(self, value):
        if value.tzinfo is None:
            try:
                value = make_aware_strict(value)
            except LocalTimeError as error:
                raise serializers.ValidationError(error.message, code=error.code) from error
        return super().enforce_timezone(value)


class StrictDateTimeFormField(forms.DateTimeField):
    """Form datetime input (HTML datetime-local is naive) with the API's rule and message.

    Django's form field already refuses gap and repeat times, with one vague message; this
    says which of the two it is.
    """

    widget = LocalDateTimeWidget
    # A form that takes whole days (a closure) sets this; the time choice is then ignored.
    default_time = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.label:
            self.widget.time_label = format_lazy("{}: {}", self.label, _("time"))

    def to_python(self, value):
        if isinstance(value, list | tuple):
            value = combine_local(*(str(part or "") for part in value), self.default_time)
        try:
            moment = super().to_python(value)
        except forms.ValidationError as error:
            if error.code != "ambiguous_timezone":
                raise
            if not within_calendar(error.params["datetime"].date()):
                # Django reports a time it cannot convert (year 9999) as "ambiguous" too.
                raise forms.ValidationError(OUT_OF_RANGE_MESSAGE, code="out_of_range") from error
            try:
                make_aware_strict(error.params["datetime"])
            except LocalTimeError as strict:
                raise forms.ValidationError(strict.message, code=strict.code) from error
            raise
        if moment is not None and not within_calendar(moment.date()):
            raise forms.ValidationError(OUT_OF_RANGE_MESSAGE, code="out_of_range")
        return moment


class CalendarDateField(forms.DateField):
    """A form date within the years the calendars can show (see `within_calendar`), typed
    day-month-year whatever the browser's language (see `booking.widgets`)."""

    widget = LocalDateInput
    input_formats = DATE_INPUT_FORMATS

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and parse_local_date(value) is None:
            raise forms.ValidationError(date_message(), code="invalid")
        day = super().to_python(value)
        if day is not None and not within_calendar(day):
            raise forms.ValidationError(OUT_OF_RANGE_MESSAGE, code="out_of_range")
        return day
