from datetime import timedelta

import pytest
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.models import Booking
from tests.booking.conftest import at
from tests.booking.factories import RoomFactory
from tests.factories import UserFactory
from tests.feeds.conftest import events_by_uid, post_booking

pytestmark = pytest.mark.django_db


def iso(day, hhmm):
    return f"{day.isoformat()}T{hhmm}"


def feed(client, room, **headers):
    return client.get(f"/feeds/rooms/{room.slug}.ics", **headers)


def test_room_feed_is_calendar_with_busy_blocks(client, user_api, room, day):
    booking = post_booking(user_api, room, iso(day, "10:00"), iso(day, "11:30"))

    response = feed(client, room)

    events = events_by_uid(response)
    uid = f"booking-{booking['id']}@127.0.0.1"
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="{room.slug}.ics"' in response["Content-Disposition"]
    assert list(events) == [uid]
    assert events[uid].decoded("dtstart") == at(day, "10:00")
    assert events[uid].decoded("dtend") == at(day, "11:30")
    assert str(events[uid]["STATUS"]) == "CONFIRMED"


def test_room_feed_never_shows_names_emails_or_private_titles(client, room, day):
    booker = UserFactory(name="Sanne de Vries", email="sanne.private@hu.nl")
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(booker)
    post_booking(api, room, iso(day, "09:00"), iso(day, "10:00"), title="Secret interview")
    post_booking(
        api, room, iso(day, "11:00"), iso(day, "12:00"), title="Open day", public_title=True
    )

    text = feed(client, room).content.decode()

    assert "Sanne" not in text
    assert "sanne.private" not in text
    assert "Secret interview" not in text
    assert "SUMMARY:Open day" in text
    assert "ATTENDEE" not in text
    assert "ORGANIZER" not in text


def test_room_feed_unknown_room_is_404(client):
    assert client.get("/feeds/rooms/nope.ics").status_code == 404


def test_room_feed_passes_vobject_validation(client, user_api, room, day):
    post_booking(user_api, room, iso(day, "10:00"), iso(day, "11:00"), title="Podcast")

    parsed = vobject.readOne(feed(client, room).content.decode())

    assert parsed.validate() is True
    assert parsed.vevent.dtstart.value == at(day, "10:00")


def test_moving_keeps_uid_and_raises_sequence(client, user_api, room, day):
    booking = post_booking(user_api, room, iso(day, "10:00"), iso(day, "11:00"))
    uid = f"booking-{booking['id']}@127.0.0.1"
    before = events_by_uid(feed(client, room))[uid]

    moved = user_api.patch(
        f"/api/v1/bookings/{booking['id']}/",
        {"start": iso(day, "14:00"), "end": iso(day, "15:00")},
        format="json",
    )
    after = events_by_uid(feed(client, room))[uid]

    assert moved.status_code == 200
    assert after.decoded("dtstart") == at(day, "14:00")
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_cancelled_booking_stays_as_cancelled_with_higher_sequence(client, user_api, room, day):
    booking = post_booking(user_api, room, iso(day, "10:00"), iso(day, "11:00"))
    uid = f"booking-{booking['id']}@127.0.0.1"
    before = events_by_uid(feed(client, room))[uid]

    user_api.post(f"/api/v1/bookings/{booking['id']}/cancel/")
    after = events_by_uid(feed(client, room))[uid]

    assert str(after["STATUS"]) == "CANCELLED"
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])


def test_cancelled_booking_drops_out_after_history_window(client, user_api, room, day):
    booking = post_booking(user_api, room, iso(day, "10:00"), iso(day, "11:00"))
    user_api.post(f"/api/v1/bookings/{booking['id']}/cancel/")
    Booking.objects.filter(pk=booking["id"]).update(
        updated_at=Booking.objects.get(pk=booking["id"]).updated_at - timedelta(days=31)
    )

    assert events_by_uid(feed(client, room)) == {}


def test_conditional_get_gives_304_then_new_etag_after_change(client, user_api, room, day):
    post_booking(user_api, room, iso(day, "10:00"), iso(day, "11:00"))
    first = feed(client, room)

    unchanged = feed(client, room, HTTP_IF_NONE_MATCH=first["ETag"])
    since = feed(client, room, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    post_booking(user_api, room, iso(day, "13:00"), iso(day, "14:00"))
    changed = feed(client, room, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert first["ETag"]
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert since.status_code == 304
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert len(events_by_uid(changed)) == 2


def _queries_for_feed(client, room, count, day):
    owner = UserFactory()
    Booking.objects.bulk_create(
        Booking(
            room=room,
            user=owner,
            title=f"B{n}",
            start=at(day, "08:00") + timedelta(days=n),
            end=at(day, "09:00") + timedelta(days=n),
            blocked_from=at(day, "08:00") + timedelta(days=n),
            blocked_until=at(day, "09:00") + timedelta(days=n),
        )
        for n in range(count)
    )
    with CaptureQueriesContext(connection) as queries:
        response = feed(client, room)
    assert len(events_by_uid(response)) == count
    return len(queries)


def test_room_feed_query_count_constant(client, day):
    few = _queries_for_feed(client, RoomFactory(), 2, day)
    many = _queries_for_feed(client, RoomFactory(), 50, day)

    assert few == many


def test_unchanged_feed_is_served_from_cache_without_rebuilding(client, user_api, room, day):
    post_booking(user_api, room, iso(day, "10:00"), iso(day, "11:00"))
    first = feed(client, room)

    with CaptureQueriesContext(connection) as queries:
        second = feed(client, room)

    assert second.content == first.content
    # the room, and the version of its bookings: no query for the rows themselves
    assert len(queries) == 2
