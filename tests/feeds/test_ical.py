from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from booking.ical import CalendarItem, Person, build_calendar
from booking.timezones import LOCAL_TZ

CHANGED = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def item(**overrides):
    fields = {
        "uid": "booking-1@example.org",
        "start": datetime(2026, 3, 2, 9, 0, tzinfo=LOCAL_TZ),
        "end": datetime(2026, 3, 2, 12, 0, tzinfo=LOCAL_TZ),
        "summary": "Podcast recording",
        "sequence": 3,
        "last_modified": CHANGED,
    }
    fields.update(overrides)
    return CalendarItem(**fields)


def test_calendar_has_stable_uid_name_and_durations():
    text = build_calendar([item()], name="Studio 1", uid="room-studio-1@example.org").decode()

    assert "UID:room-studio-1@example.org\r\n" in text
    assert "NAME:Studio 1\r\n" in text
    assert "X-WR-CALNAME:Studio 1\r\n" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text
    assert "X-PUBLISHED-TTL:PT1H\r\n" in text


def test_vtimezone_is_rule_based():
    text = build_calendar([item()], name="x", uid="x").decode()
    vtimezone = text[text.index("BEGIN:VTIMEZONE") : text.index("END:VTIMEZONE")]

    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in vtimezone
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in vtimezone
    assert "RDATE" not in vtimezone


def test_event_times_local_with_tzid_and_dtstamp_utc():
    text = build_calendar([item()], name="x", uid="x").decode()

    assert "DTSTART;TZID=Europe/Amsterdam:20260302T090000\r\n" in text
    assert "DTEND;TZID=Europe/Amsterdam:20260302T120000\r\n" in text
    assert "DTSTAMP:20260201T120000Z\r\n" in text
    assert "SEQUENCE:3\r\n" in text


def test_output_is_deterministic():
    first = build_calendar([item()], name="x", uid="x")
    second = build_calendar([item()], name="x", uid="x")

    assert first == second


def test_round_trip_through_parser_keeps_instants():
    summer = item(
        uid="s@x",
        start=datetime(2026, 7, 1, 9, 0, tzinfo=LOCAL_TZ),
        end=datetime(2026, 7, 1, 10, 0, tzinfo=LOCAL_TZ),
    )
    parsed = Calendar.from_ical(build_calendar([item(), summer], name="x", uid="x"))
    events = {e["UID"]: e for e in parsed.walk("VEVENT")}

    assert events["booking-1@example.org"].decoded("dtstart") == datetime(
        2026, 3, 2, 8, 0, tzinfo=UTC
    )
    assert events["s@x"].decoded("dtstart") == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert events["s@x"].decoded("dtend") - events["s@x"].decoded("dtstart") == timedelta(hours=1)


def test_invitation_has_method_organizer_attendee():
    invitation = item(
        organizer=Person("noreply@mediacampus.example", "Media Campus"),
        attendees=(Person("anna@example.org", "Anna"),),
    )
    parsed = Calendar.from_ical(build_calendar([invitation], name="x", uid="x", method="REQUEST"))
    event = next(iter(parsed.walk("VEVENT")))

    assert parsed["METHOD"] == "REQUEST"
    assert str(event["ORGANIZER"]) == "mailto:noreply@mediacampus.example"
    assert str(event["ATTENDEE"]) == "mailto:anna@example.org"
    assert event["ATTENDEE"].params["CN"] == "Anna"


def test_cancelled_item_is_marked():
    parsed = Calendar.from_ical(build_calendar([item(status="CANCELLED")], name="x", uid="x"))

    assert next(iter(parsed.walk("VEVENT")))["STATUS"] == "CANCELLED"
