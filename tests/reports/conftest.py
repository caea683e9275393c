from datetime import date, datetime, time, timedelta

import pytest
from rest_framework.test import APIClient

from booking.models import Booking, BookingStatus, Closure
from booking.timezones import LOCAL_TZ
from tests.factories import UserFactory


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm)).replace(tzinfo=LOCAL_TZ)


def booked(room, start, end, *, status=BookingStatus.CONFIRMED, attendees=1, whole=True, user=None):
    """A booking as it stands after the fact (past bookings cannot be made through the
    services, whose rules look ahead)."""
    return Booking.objects.create(
        room=room,
        user=user,
        start=start,
        end=end,
        blocked_from=start,
        blocked_until=end,
        status=status,
        attendees=attendees,
        takes_whole_room=whole,
        affiliation=getattr(user, "affiliation", "") or "",
        organisation_id=getattr(user, "organisation_id", None),
    )


def closed(start, end, *, room=None, location=None):
    return Closure.objects.create(room=room, location=location, start=start, end=end, reason="x")


def api_as(*groups, **fields):
    client = APIClient()
    user = UserFactory(groups=list(groups), **fields)
    client.force_authenticate(user)
    client.user = user
    return client


@pytest.fixture
def viewer_api(db):
    return api_as("report_viewers")


MONDAY = date(2026, 6, 1)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
