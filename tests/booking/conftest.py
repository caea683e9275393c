import re
from datetime import date, datetime, time, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from booking.timezones import LOCAL_TZ
from tests.booking.factories import RoomFactory
from tests.factories import UserFactory


def next_monday(weeks_ahead: int = 1) -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 * weeks_ahead - today.weekday())


def next_clock_change(*, spring: bool) -> date:
    """The next last Sunday of March (spring) or October (autumn) from today."""
    today = timezone.localdate()
    for year in (today.year, today.year + 1):
        last = date(year, 4 if spring else 11, 1) - timedelta(days=1)
        sunday = last - timedelta(days=(last.weekday() - 6) % 7)
        if sunday > today:
            return sunday
    raise AssertionError("unreachable")


def at(day: date, hhmm: str) -> datetime:
    """Aware Amsterdam time on `day` (never in a DST gap in these tests)."""
    return datetime.combine(day, time.fromisoformat(hhmm)).replace(tzinfo=LOCAL_TZ)


@pytest.fixture
def day():
    return next_monday()


@pytest.fixture
def room(db):
    return RoomFactory()


@pytest.fixture
def facility_manager(db):
    return UserFactory(groups=["facility_managers"])


@pytest.fixture
def manager_api(facility_manager):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(facility_manager)
    client.user = facility_manager
    return client


@pytest.fixture
def unverified_user(db):
    user = UserFactory(affiliation="partner", email_verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


def shown_moment(html: str, name: str) -> str:
    """What a date-and-time field shows, as `YYYY-MM-DDTHH:MM`: the day-month-year date field
    and the time chosen in its select (booking/widgets.py)."""
    shown = re.search(rf'name="{name}_date" value="([^"]*)"', html).group(1)
    select = html.split(f'name="{name}_time"', 1)[1].split("</select>", 1)[0]
    chosen = re.search(r'<option value="([^"]*)" selected>', select).group(1)
    return f"{datetime.strptime(shown, '%d-%m-%Y').date().isoformat()}T{chosen}"
