"""The day grid (/rooms/day/): a location's rooms hour by hour, through the page."""

import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking import daygrid
from booking.models import BookingMode, Closure
from booking.selectors import location_availability
from booking.services import create_booking
from booking.timezones import LOCAL_TZ
from tests.booking.conftest import at, next_clock_change, shown_moment
from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def cells_of(html: str, room_name: str) -> list[str]:
    """The class of each hour cell in the room's row."""
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{room_name}</a>.*?</tr>", html, re.S)
    assert row, f"no row for {room_name}"
    return re.findall(r'<td class="(\w+)">', row.group(0))


@pytest.fixture
def centre():
    nine_to_five = dict.fromkeys(range(7), ("09:00", "17:00"))
    return LocationFactory(slug="centrum", name="Lab in het Centrum", hours=nine_to_five)


def test_grid_shows_each_room_hour_by_hour_and_links_free_hours_to_the_form(client, centre, day):
    studio = RoomFactory(location=centre, name="Studio", slug="studio")
    lab = RoomFactory(location=centre, name="Montagelab", slug="montagelab")
    RoomFactory(name="Elders")  # another location
    create_booking(user=UserFactory(), room=studio, start=at(day, "10:00"),
                   end=at(day, "11:30"), title="")  # fmt: skip
    Closure.objects.create(
        room=lab, start=at(day, "15:00"), end=at(day, "17:00"), reason="Schoonmaak"
    )

    response = client.get("/en/rooms/day/", {"location": "centrum", "day": day.isoformat()})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Elders" not in html
    headers = re.findall(r'<th scope="col"><time datetime="[^"]+">(\d\d:\d\d)</time></th>', html)
    assert headers == [f"{h:02d}:00" for h in range(9, 17)]
    #                          09      10      11        12      13      14      15      16
    assert cells_of(html, "Studio") == [
        "free",
        "busy",
        "partly",
        "free",
        "free",
        "free",
        "free",
        "free",
    ]
    assert cells_of(html, "Montagelab") == ["free"] * 6 + ["closure", "closure"]
    assert 'closed<span class="visually-hidden">: Schoonmaak</span>' in html
    link = re.search(
        r'<td class="free"><a href="([^"]+)"><span class="visually-hidden">Studio 12:00', html
    )
    url = urlsplit(link.group(1).replace("&amp;", "&"))
    query = parse_qs(url.query)
    assert url.path == "/en/rooms/studio/"
    assert datetime.fromisoformat(query["start"][0]) == at(day, "12:00")
    assert datetime.fromisoformat(query["end"][0]) == at(day, "13:00")
    # The phone's list: the free time left, whole spans, each offering its first hour.
    phone_list = html.split('class="day-grid-narrow', 1)[1]
    studio_list = phone_list.split(">Studio</a></h3>", 1)[1].split("</ul>", 1)[0]
    spans = re.findall(r">(\d\d:\d\d)</time>–<time[^>]*>(\d\d:\d\d)</time>", studio_list)
    assert spans[:2] == [("09:00", "10:00"), ("11:30", "17:00")]
    offered = re.findall(r"end=([^&#]+)#book-heading", studio_list.replace("%3A", ":"))
    assert offered[1].startswith(f"{day.isoformat()}T12:30")


def test_free_hour_link_fills_in_the_booking_form(user_client, centre, day):
    RoomFactory(location=centre, name="Studio", slug="studio")
    grid = user_client.get("/en/rooms/day/", {"location": "centrum", "day": day.isoformat()})
    href = re.search(r'<td class="free"><a href="([^"]+)"', grid.content.decode()).group(1)

    form_page = user_client.get(href.replace("&amp;", "&")).content.decode()

    assert shown_moment(form_page, "start") == f"{day.isoformat()}T09:00"
    assert shown_moment(form_page, "end") == f"{day.isoformat()}T10:00"


def test_hours_that_are_over_are_not_offered(client, centre):
    RoomFactory(location=centre, name="Studio", slug="studio")
    today = timezone.localdate()

    html = client.get(
        "/en/rooms/day/", {"location": "centrum", "day": today.isoformat()}
    ).content.decode()

    now = timezone.localtime(timezone.now(), LOCAL_TZ)
    cells = cells_of(html, "Studio")
    over = sum(
        1 for hour in range(9, 17) if datetime.combine(today, time(hour + 1), LOCAL_TZ) <= now
    )
    assert cells[:over] == ["over"] * over
    assert "free" not in cells[:over]


def test_closed_day_and_unknown_input(client, day):
    RoomFactory(location=LocationFactory(slug="dicht", name="Dicht", hours={}))

    closed = client.get("/en/rooms/day/", {"location": "dicht", "day": day.isoformat()})
    unknown = client.get("/en/rooms/day/", {"location": "nergens", "day": "gisteren"})

    assert "Closed all day." in closed.content.decode()
    assert unknown.status_code == 200  # the first location, today, and the form says why
    assert "Select a valid choice" in unknown.content.decode()
    assert client.get("/en/rooms/day/", {"day": "9999-01-01"}).status_code == 404


def test_grid_costs_the_same_queries_for_more_rooms_and_bookings(client, centre, day):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/en/rooms/day/", {"location": "centrum", "day": day.isoformat()})
        assert response.status_code == 200
        return len(captured)

    RoomFactory(location=centre)
    few = queries()
    for hour in range(9, 16):
        # Every other room counts seats: their seats left cost no query more.
        mode = BookingMode.SEATS if hour % 2 else BookingMode.ROOM
        room = RoomFactory(location=centre, booking_mode=mode)
        create_booking(user=UserFactory(), room=room, start=at(day, f"{hour:02d}:00"),
                       end=at(day, f"{hour:02d}:30"), title="")  # fmt: skip
        Closure.objects.create(room=room, start=at(day, "16:00"), end=at(day, "17:00"), reason="x")

    assert queries() == few


def test_grid_in_dutch(client, centre, day):
    RoomFactory(location=centre, name="Studio")

    html = client.get(
        "/rooms/day/", {"location": "centrum", "day": day.isoformat()}
    ).content.decode()

    assert "Ruimtes per uur" in html
    assert ">vrij</a>" in html


def test_autumn_clock_change_has_the_repeated_hour_as_its_own_column():
    sunday = next_clock_change(spring=False)
    location = LocationFactory(hours={6: ("00:00", "06:00")})
    room = RoomFactory(location=location)
    start, end = daygrid.day_span(sunday)

    columns, rows = daygrid.build_grid(
        location_availability([room], start, end), sunday, timezone.now(), None
    )

    labels = [s.strftime("%H:%M") for s, _ in columns]
    assert labels == ["00:00", "01:00", "02:00", "02:00", "03:00", "04:00", "05:00"]
    assert all(e.astimezone(UTC) - s.astimezone(UTC) == timedelta(hours=1) for s, e in columns)
    assert [cell.state for cell in rows[0].cells] == ["free"] * 7


def test_only_what_the_room_rules_allow_is_offered(user_client, centre, day):
    RoomFactory(location=centre, name="Aula", slug="aula", min_duration_minutes=120)
    # Bookable today only: the grid's day (next Monday) lies beyond its window whatever
    # the weekday the test runs on (with 2 days it failed on Saturdays).
    RoomFactory(location=centre, name="Studio", slug="studio", max_days_ahead=0)
    RoomFactory(location=centre, name="Raadzaal", slug="raadzaal", bookable_by=["municipality"])

    html = user_client.get(
        "/en/rooms/day/", {"location": "centrum", "day": day.isoformat()}
    ).content.decode()

    # The room's minimum length is what its free hours offer the form.
    aula = re.search(
        r'<a href="(/en/rooms/aula/[^"]+)"><span class="visually-hidden">Aula 09:00', html
    )
    assert f"end={day.isoformat()}T11%3A00" in aula.group(1)
    # Beyond the room's window: free, but not offered, and no free time listed.
    assert cells_of(html, "Studio") == ["window"] * 8
    assert "/en/rooms/studio/?week" not in html.replace("studio/?week=" + day.isoformat() + '"', "")
    # A room the person may not book says so, and offers nothing.
    assert cells_of(html, "Raadzaal") == ["free"] * 8
    assert "/en/rooms/raadzaal/?week=" + day.isoformat() + "&amp;start" not in html
    assert html.count("You cannot book this room.") == 2  # the table and the phone's list


def test_a_visitor_is_offered_free_hours_and_asked_to_sign_in_at_the_form(client, centre, day):
    RoomFactory(location=centre, name="Raadzaal", slug="raadzaal", bookable_by=["municipality"])

    html = client.get(
        "/en/rooms/day/", {"location": "centrum", "day": day.isoformat()}
    ).content.decode()

    assert "You cannot book this room." not in html
    assert "/en/rooms/raadzaal/?week=" + day.isoformat() + "&amp;start" in html


def test_notice_keeps_the_next_hours_from_being_offered(user_client, centre):
    tomorrow = timezone.localdate() + timedelta(days=1)
    RoomFactory(location=centre, name="Studio", slug="studio", min_notice_minutes=60 * 24 + 120)

    html = user_client.get(
        "/en/rooms/day/", {"location": "centrum", "day": tomorrow.isoformat()}
    ).content.decode()

    now = timezone.now()
    cells = cells_of(html, "Studio")
    for hour, state in zip(range(9, 17), cells, strict=True):
        start = datetime.combine(tomorrow, time(hour), LOCAL_TZ)
        assert state == ("window" if start < now + timedelta(hours=26) else "free"), hour
