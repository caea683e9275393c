"""One way to write a moment everywhere (issue 18, item 5): "di 8 dec 13:00–17:00"."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone, translation

from booking.templatetags.when import day, moment, span
from booking.timezones import LOCAL_TZ

THIS_YEAR = timezone.localdate().year


def at(month, dd, hh, mm=0, year=THIS_YEAR):
    return datetime(year, month, dd, hh, mm, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "di 8 dec 13:00–17:00"), ("en", "Tue 8 Dec 13:00–17:00")],
)
def test_a_span_on_one_day(language, expected):
    start = at(12, 8, 13).replace(year=2026)
    with translation.override(language):
        shown = span(start, start.replace(hour=17))
    if THIS_YEAR == 2026:
        assert shown == expected
    else:
        assert shown == expected.replace(" 13:00", " 2026 13:00")


def test_a_span_over_midnight_names_both_days_and_utc_is_shown_in_amsterdam():
    start = at(6, 12, 22)
    end = at(6, 13, 2)
    with translation.override("nl"):
        assert span(start, end) == f"{day(start)} 22:00 – {day(end)} 02:00"
        # 20:00 UTC in June is 22:00 in Amsterdam.
        assert moment(start.astimezone(UTC)) == f"{day(start)} 22:00"


def test_the_year_shows_only_when_it_is_not_this_year():
    with translation.override("nl"):
        assert day(date(THIS_YEAR, 3, 2)).endswith("mrt")
        assert day(date(THIS_YEAR + 1, 3, 2)).endswith(f"mrt {THIS_YEAR + 1}")


TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A date with a time of day, written with Django's date filter instead of `moment`/`span`.
OWN_FORMAT = re.compile(r"""\|date:["'][^"']*[jdD][^"']*H:i["']""")


def test_no_template_writes_a_moment_its_own_way():
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.*")
        for match in OWN_FORMAT.finditer(path.read_text())
    ]
    assert found == []


NATIVE_DATE_INPUT = re.compile(r"""type["']?\s*[:=]\s*["'](date|datetime-local|time)["']""")


def test_no_page_asks_for_a_date_in_the_browsers_language():
    """A native date or time input is drawn in the browser's language (mm/dd/yyyy, AM/PM on
    a Dutch page); every date goes through booking.widgets instead."""
    roots = [Path(settings.BASE_DIR) / name for name in ("booking", "events", "accounts", "config")]
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)}"
        for root in [*roots, TEMPLATES]
        for path in root.rglob("*")
        if path.suffix in (".py", ".html")
        for match in NATIVE_DATE_INPUT.finditer(path.read_text())
    ]
    assert found == []
