"""Date and time inputs that follow the page's language, not the browser's.

A native date or datetime-local input is drawn in the browser's locale: a Dutch
page in an English browser asked for mm/dd/yyyy and AM/PM. Here the date is a text field in
day-month-year order (the Dutch and the European habit) with its pattern spelled out in the
page's language, and the time is a choice in 15-minute steps, which is also how rooms are
booked. ISO dates keep working, so links and bookmarks that carry `2026-12-08` still fill it.
"""

from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

DATE_DISPLAY_FORMAT = "%d-%m-%Y"
DATE_INPUT_FORMATS = ["%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d-%m-%y", "%d/%m/%y"]
DATE_PATTERN_HINT = _("dd-mm-yyyy")
DATE_MESSAGE = _("Give the date as day-month-year, for example %(example)s.")
TIME_STEP = timedelta(minutes=15)


def parse_local_date(text: str) -> date | None:
    """The day `text` names in one of the accepted orders (or any ISO 8601 date), or None."""
    text = text.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    for pattern in DATE_INPUT_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def date_message() -> str:
    return DATE_MESSAGE % {"example": timezone.localdate().strftime(DATE_DISPLAY_FORMAT)}


def time_choices(extra: str = "") -> list[str]:
    """Every quarter of an hour, plus `extra` (a time off the grid, kept when given)."""
    moment, choices = datetime(2000, 1, 1), []
    while moment.day == 1:
        choices.append(moment.strftime("%H:%M"))
        moment += TIME_STEP
    if extra and extra not in choices:
        choices.append(extra)
        choices.sort()
    return choices


class LocalDateInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__(
            {
                "class": "date-input",
                "autocomplete": "off",
                "size": 10,
                "maxlength": 10,
                "spellcheck": "false",
                **(attrs or {}),
            }
        )

    def format_value(self, value):
        if isinstance(value, date | datetime):
            return value.strftime(DATE_DISPLAY_FORMAT)
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].setdefault("placeholder", str(DATE_PATTERN_HINT))
        return context


class TimeSelect(forms.Select):
    def __init__(self, attrs=None):
        super().__init__({"class": "time-input", **(attrs or {})})

    def get_context(self, name, value, attrs):
        value = value[0] if isinstance(value, list | tuple) else (value or "")
        self.choices = [("", "--:--"), *((hhmm, hhmm) for hhmm in time_choices(str(value)))]
        return super().get_context(name, value, attrs)


class LocalDateTimeWidget(forms.MultiWidget):
    """A date field and a time choice; posted as `NAME_date` and `NAME_time`.

    A form posted as one ISO value under `NAME` (the API's shape, old links and the tests
    that speak HTTP) is read as before.
    """

    def __init__(self, attrs=None):
        super().__init__({"date": LocalDateInput(), "time": TimeSelect()}, attrs)
        self.time_label = _("Time")

    def id_for_label(self, id_):
        return f"{id_}_date" if id_ else id_

    def decompress(self, value):
        if isinstance(value, str):
            # Read as written, without a time zone check: a time in the spring gap must come
            # back to the form as typed, beside its error.
            try:
                value = datetime.fromisoformat(value) if value else None
            except ValueError:
                return [value, None]
        if value is None:
            return [None, None]
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return [value.date(), value.strftime("%H:%M")]

    def value_from_datadict(self, data, files, name):
        if f"{name}_date" in data or f"{name}_time" in data:
            return [data.get(f"{name}_date", ""), data.get(f"{name}_time", "")]
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        date_widget, time_widget = context["widget"]["subwidgets"]
        if date_widget["attrs"].get("id"):
            id_ = context["widget"]["attrs"]["id"]
            date_widget["attrs"]["id"], time_widget["attrs"]["id"] = f"{id_}_date", f"{id_}_time"
        # The visible label points at the date; the time choice needs a name of its own.
        time_widget["attrs"]["aria-label"] = str(self.time_label)
        return context


def combine_local(
    date_text: str, time_text: str, default_time: time | None = None
) -> datetime | None:
    """The naive wall-clock moment a date field and a time choice name; ValidationError if
    either cannot be read. `default_time` stands in for a time not given (a whole day)."""
    if not date_text.strip() and not time_text.strip():
        return None
    day = parse_local_date(date_text)
    if day is None:
        raise forms.ValidationError(date_message(), code="invalid_date")
    if default_time is not None:
        return datetime.combine(day, default_time)
    try:
        moment = time.fromisoformat(time_text.strip())
    except ValueError:
        raise forms.ValidationError(_("Choose a time."), code="invalid_time") from None
    return datetime.combine(day, moment)


PRESET_MINUTES = (30, 60, 90, 120, 180, 240, 480)


def duration_label(minutes: int) -> str:
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    hours = minutes / 60
    shown = number_format(hours, decimal_pos=0 if hours.is_integer() else 1)
    return ngettext("%(hours)s hour", "%(hours)s hours", 1 if hours == 1 else 2) % {"hours": shown}


def duration_presets(shortest: int, longest: int) -> list[tuple[int, str]]:
    """The usual lengths a room's rules allow, as (minutes, label) for the form's buttons."""
    return [(m, duration_label(m)) for m in PRESET_MINUTES if shortest <= m <= longest]
