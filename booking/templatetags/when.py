"""One way to write a moment on every page and in every mail: "di 8 dec 13:00–17:00".

Short weekday, day, short month (lower case in Dutch), the year only when it is not this
year, then the times; a span over midnight names both days. Always in Europe/Amsterdam.
"""

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language

from booking.widgets import duration_label

register = template.Library()


def _month() -> str:
    # Django's "N" is Associated Press style: "dec" in Dutch but "Dec." and "Sept." in
    # English, where "M" ("Dec", "Sep") reads better.
    return "N" if (get_language() or "nl").startswith("nl") else "M"


def _day_format(day: date) -> str:
    year = "" if day.year == timezone.localdate().year else " Y"
    return f"D j {_month()}{year}"


def _local(value):
    return timezone.localtime(value) if isinstance(value, datetime) else value


@register.filter
def day(value) -> str:
    """ "di 8 dec" (a date or a moment)."""
    if not value:
        return ""
    value = _local(value)
    return date_format(value, _day_format(value))


@register.filter
def dated(value) -> str:
    """ "14 nov 2026", with the year always: a report's period, for the meeting's papers."""
    if not value:
        return ""
    return date_format(_local(value), f"j {_month()} Y")


@register.filter
def moment(value) -> str:
    """ "di 8 dec 13:00"."""
    if not value:
        return ""
    value = _local(value)
    return f"{day(value)} {date_format(value, 'H:i')}"


@register.filter
def duration(minutes) -> str:
    """ "30 min", "1,5 uur", "24 uur": never "1440 minuten"."""
    return duration_label(int(minutes))


@register.simple_tag
def span(start, end) -> str:
    """ "di 8 dec 13:00–17:00", or "di 8 dec 22:00 – wo 9 dec 02:00" over midnight."""
    start, end = _local(start), _local(end)
    if start.date() == end.date():
        return f"{moment(start)}–{date_format(end, 'H:i')}"
    return f"{moment(start)} – {moment(end)}"
