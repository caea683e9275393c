import re
from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import Booking, BookingStatus, Closure
from booking.services import create_booking
from tests.booking.conftest import at, next_clock_change, shown_moment
from tests.booking.factories import LocationFactory, RoomFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def form_data(day, start="10:00", end="11:00", **extra):
    return {
        "start": f"{day}T{start}",
        "end": f"{day}T{end}",
        "title": "Montage",
        "attendees": 2,
        **extra,
    }


def field_error(html, field):
    marker = f'id="id_{field}_error">'
    assert marker in html, f"no error next to {field}"
    return html.split(marker, 1)[1].split("</p>", 1)[0]


def test_room_list_shows_rooms_with_kind(client, room):
    html = client.get("/en/rooms/").content.decode()

    assert room.name in html
    assert "Lab" in html


def test_room_list_search_by_time_and_people(user_client, user, day):
    location = LocationFactory()
    free = RoomFactory(location=location, capacity=10, name="Vrije studio")
    busy = RoomFactory(location=location, capacity=10, name="Bezette studio")
    RoomFactory(location=location, capacity=2, name="Kleine kamer")
    create_booking(user=user, room=busy, start=at(day, "10:00"), end=at(day, "11:00"), title="")

    html = user_client.get(
        "/en/rooms/",
        {"free_from": f"{day}T10:00", "free_until": f"{day}T12:00", "capacity": 5},
    ).content.decode()

    assert free.name in html
    assert busy.name not in html
    assert "Kleine kamer" not in html


def test_room_detail_week_view_without_javascript(client, user, room, day):
    create_booking(user=user, room=room, start=at(day, "10:00"), end=at(day, "11:30"), title="")

    html = client.get(f"/en/rooms/{room.slug}/", {"week": day.isoformat()}).content.decode()

    # The one script folds the phone menu and fills in an end; the week is plain HTML.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/site.js" defer>']
    assert "10:00</time>–<time" in html
    assert "07:00</time>–<time datetime" in html
    assert "busy" in html
    assert "Sign in to book this room." in html


def test_room_detail_form_books(user_client, room, day):
    response = user_client.post(f"/en/rooms/{room.slug}/", form_data(day))

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/en/my/bookings/{booking.pk}/"
    assert (booking.start, booking.attendees) == (at(day, "10:00"), 2)


def test_room_detail_form_anonymous_goes_to_login(client, room, day):
    response = client.post(f"/en/rooms/{room.slug}/", form_data(day))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert Booking.objects.count() == 0


def test_room_detail_form_clash_error_next_to_start(user_client, user, room, day):
    create_booking(user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="")

    html = user_client.post(
        f"/en/rooms/{room.slug}/", form_data(day, "10:30", "11:30")
    ).content.decode()

    assert "is already booked from" in field_error(html, "start")
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"start": "05:00", "end": "06:00"}, "start", "not open"),
        ({"attendees": 99}, "attendees", "holds at most"),
        ({"start": "10:00", "end": "10:10"}, "end", "at least 30 minutes"),
        ({"start": "11:00", "end": "10:00"}, "end", "after the start"),
        ({"repeat": "weekly"}, "repeat_count", "number of times or an end date"),
        (
            {"repeat": "weekly", "repeat_count": 3, "repeat_until": "2027-06-30"},
            "repeat_count",
            "one of the two",
        ),
        ({"repeat": "daily", "repeat_count": 500}, "repeat_count", "less than or equal to 100"),
        ({"repeat": "yearly", "repeat_count": 2}, "repeat", "Select a valid choice"),
    ],
)
def test_room_detail_form_rule_error_next_to_field(user_client, room, day, data, field, text):
    html = user_client.post(f"/en/rooms/{room.slug}/", form_data(day, **data)).content.decode()

    assert text in field_error(html, field)
    assert Booking.objects.count() == 0


def test_room_detail_form_closure_error(user_client, room, day):
    Closure.objects.create(room=room, start=at(day, "08:00"), end=at(day, "12:00"), reason="Verf")

    html = user_client.post(f"/en/rooms/{room.slug}/", form_data(day)).content.decode()

    assert "Verf" in field_error(html, "start")


def test_room_detail_form_dst_gap_error(user_client):
    day = next_clock_change(spring=True)
    room = RoomFactory(location=LocationFactory(hours={6: ("00:00", "23:00")}))

    html = user_client.post(
        f"/en/rooms/{room.slug}/", form_data(day, "02:30", "04:00")
    ).content.decode()

    assert "does not exist" in field_error(html, "start")


def test_room_detail_form_affiliation_refused(client, day):
    room = RoomFactory(bookable_by=["hu"])
    client.force_login(UserFactory(affiliation="public"))

    html = client.post(f"/en/rooms/{room.slug}/", form_data(day)).content.decode()

    # A form sent anyway (an old tab) is refused, and the page says who may book instead.
    assert "You cannot book this room. Who may book it: Hogeschool Utrecht." in html
    assert Booking.objects.count() == 0


def test_room_detail_form_unverified_refused(client, unverified_user, room, day):
    client.force_login(unverified_user)

    html = client.post(f"/en/rooms/{room.slug}/", form_data(day)).content.decode()

    assert "Verify your email address" in html


def test_room_detail_form_series(user_client, room, day):
    user_client.post(f"/en/rooms/{room.slug}/", form_data(day, repeat="weekly", repeat_count=3))

    series = Booking.objects.filter(series__isnull=False).order_by("start")
    assert series.count() == 3
    assert series[0].series.rrule == "FREQ=WEEKLY;COUNT=3"
    assert {b.start.weekday() for b in series} == {day.weekday()}


@pytest.mark.parametrize(
    ("repeat", "ending", "rule", "count"),
    [
        ("weekdays", {"repeat_count": 5}, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=5", 5),
        ("fortnightly", {"repeat_count": 3}, "FREQ=WEEKLY;INTERVAL=2;COUNT=3", 3),
        ("daily", {"repeat_until": "UNTIL"}, "FREQ=DAILY;UNTIL=", 3),
    ],
)
def test_room_detail_form_builds_the_series_rule_from_words(
    user_client, room, day, repeat, ending, rule, count
):
    if ending.get("repeat_until") == "UNTIL":
        ending = {"repeat_until": (day + timedelta(days=2)).isoformat()}
    user_client.post(f"/en/rooms/{room.slug}/", form_data(day, repeat=repeat, **ending))

    bookings = Booking.objects.filter(series__isnull=False)
    assert bookings.count() == count
    assert bookings.first().series.rrule.startswith(rule)


def test_a_series_the_rules_refuse_shows_its_error_by_the_repeat_field(user_client, room, day):
    # Every day for two years: more than a series may hold.
    until = (day + timedelta(days=730)).isoformat()

    html = user_client.post(
        f"/en/rooms/{room.slug}/", form_data(day, repeat="daily", repeat_until=until)
    ).content.decode()

    assert field_error(html, "repeat")
    assert Booking.objects.count() == 0


def test_my_overview_lists_and_cancels(user_client, user, room, day):
    booking = create_booking(
        user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="Podcast"
    )

    html = user_client.get("/en/my/").content.decode()
    response = user_client.post(f"/en/my/bookings/{booking.pk}/cancel/", {"next": "/en/my/"})

    booking.refresh_from_db()
    assert "Podcast" in html
    assert response["Location"] == "/en/my/"
    assert booking.status == BookingStatus.CANCELLED


@pytest.mark.parametrize(
    "target", ["https://evil.example.com/", "//evil.example.com/en/my/", "javascript:alert(1)"]
)
def test_cancel_next_elsewhere_redirects_to_my(user_client, user, room, day, target):
    booking = create_booking(
        user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="Podcast"
    )

    response = user_client.post(f"/en/my/bookings/{booking.pk}/cancel/", {"next": target})

    booking.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == "/en/my/"
    assert booking.status == BookingStatus.CANCELLED


@pytest.mark.parametrize("path", ["/en/my/", "/en/my/profile/"])
def test_pages_with_secrets_are_never_cached(user_client, path):
    response = user_client.get(path)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_my_booking_move_form(user_client, user, room, day):
    booking = create_booking(
        user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="Podcast"
    )

    response = user_client.post(
        f"/en/my/bookings/{booking.pk}/",
        {"start": f"{day}T13:00", "end": f"{day}T14:00", "title": "Podcast 2", "scope": "this"},
    )

    booking.refresh_from_db()
    assert response.status_code == 302
    assert (booking.start, booking.title, booking.sequence) == (at(day, "13:00"), "Podcast 2", 1)


def test_my_booking_of_someone_else_is_404(client, user, room, day):
    booking = create_booking(
        user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title=""
    )
    client.force_login(UserFactory())

    assert client.get(f"/en/my/bookings/{booking.pk}/").status_code == 404
    assert client.post(f"/en/my/bookings/{booking.pk}/cancel/").status_code == 404


def test_manage_bookings_forbidden_for_plain_user(user_client):
    assert user_client.get("/en/manage/bookings/").status_code == 403


def test_manage_bookings_approval_queue(client, facility_manager, user, day):
    room = RoomFactory(requires_approval=True, name="Greenroom")
    booking = create_booking(
        user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title=""
    )
    client.force_login(facility_manager)

    queue = client.get("/en/manage/bookings/").content.decode()
    section = client.get("/en/manage/").content.decode()
    client.post(f"/en/manage/bookings/{booking.pk}/approve/")

    booking.refresh_from_db()
    assert "Greenroom" in queue
    assert "1 booking waits for approval." in section
    assert booking.status == BookingStatus.CONFIRMED


def test_manage_bookings_day_view(client, facility_manager, user, room, day):
    create_booking(
        user=user, room=room, start=at(day, "10:00"), end=at(day, "11:00"), title="Shoot"
    )
    client.force_login(facility_manager)

    html = client.get("/en/manage/bookings/", {"day": day.isoformat()}).content.decode()

    assert "Shoot" in html
    assert user.name in html


def test_manage_closures_create(client, facility_manager, room, day):
    client.force_login(facility_manager)

    response = client.post(
        "/en/manage/bookings/closures/",
        {"room": room.pk, "start": f"{day}T08:00", "end": f"{day}T12:00", "reason": "Onderhoud"},
    )

    assert response.status_code == 302
    assert Closure.objects.get().reason == "Onderhoud"


def test_manage_closures_both_targets_error(client, facility_manager, room, day):
    client.force_login(facility_manager)

    html = client.post(
        "/en/manage/bookings/closures/",
        {
            "room": room.pk,
            "location": room.location.pk,
            "start": f"{day}T08:00",
            "end": f"{day}T12:00",
            "reason": "x",
        },
    ).content.decode()

    assert "either a location or a room" in field_error(html, "room")


def test_pages_in_dutch(client, room):
    html = client.get(f"/rooms/{room.slug}/").content.decode()

    assert 'lang="nl"' in html


def test_room_detail_form_too_far_ahead_error(user_client):
    room = RoomFactory(max_days_ahead=14)
    far = timezone.localdate() + timedelta(days=30)

    html = user_client.post(f"/en/rooms/{room.slug}/", form_data(far)).content.decode()

    assert "at most 14 days ahead" in field_error(html, "start")


def test_room_detail_form_past_error(user_client, room):
    past = timezone.localdate() - timedelta(days=1)

    html = user_client.post(f"/en/rooms/{room.slug}/", form_data(past)).content.decode()

    assert "in the past" in field_error(html, "start")


def test_room_detail_free_link_prefills_form(client, room, day):
    start, end = at(day, "12:00"), at(day, "13:00")

    client.force_login(UserFactory())
    html = client.get(
        f"/en/rooms/{room.slug}/", {"start": start.isoformat(), "end": end.isoformat()}
    ).content.decode()
    assert shown_moment(html, "start") == f"{day}T12:00"
    assert shown_moment(html, "end") == f"{day}T13:00"


def test_room_detail_form_dst_repeat_error(user_client):
    day = next_clock_change(spring=False)
    room = RoomFactory(location=LocationFactory(hours={6: ("00:00", "23:00")}))

    html = user_client.post(
        f"/en/rooms/{room.slug}/", form_data(day, "02:30", "04:00")
    ).content.decode()

    assert "happens twice" in field_error(html, "start")


def test_room_detail_form_short_notice_error(user_client):
    room = RoomFactory(min_notice_minutes=2 * 24 * 60)
    soon = timezone.localdate() + timedelta(days=1)

    html = user_client.post(f"/en/rooms/{room.slug}/", form_data(soon)).content.decode()

    assert "at least 2880 minutes" in field_error(html, "start")


@pytest.mark.parametrize("week", ["9999-12-31", "9999-W52", "0001-01-01", "9001-01-01"])
def test_room_week_far_out_of_range_is_404(client, room, week):
    response = client.get(f"/en/rooms/{room.slug}/?week={week}")

    assert response.status_code == 404


def test_room_week_unreadable_shows_this_week(client, room):
    response = client.get(f"/en/rooms/{room.slug}/?week=2027-W99")

    assert response.status_code == 200
    assert response.context["monday"] == timezone.localdate() - timedelta(
        days=timezone.localdate().weekday()
    )


def test_manage_bookings_day_out_of_range_is_404(client):
    client.force_login(UserFactory(groups=["facility_managers"]))

    response = client.get("/en/manage/bookings/?day=9999-12-31")

    assert response.status_code == 404


def test_week_view_offers_a_slot_the_room_rules_accept(client, user, day):
    # Open 07:00-23:00 with a booking 10:00-11:30: the free gaps are 3 and 11.5 hours long,
    # longer than the room's 2-hour maximum; a 90-minute minimum makes the offer 90 minutes.
    room = RoomFactory(min_duration_minutes=90, max_duration_minutes=120)
    create_booking(user=user, room=room, start=at(day, "10:00"), end=at(day, "11:30"), title="")

    html = client.get(f"/en/rooms/{room.slug}/", {"week": day.isoformat()}).content.decode()

    offers = re.findall(r"start=([^&]+)&amp;end=([^#]+)#book-heading", html.replace("%3A", ":"))
    offered = {(s[:16], e[:16]) for s, e in offers}
    assert (f"{day}T07:00", f"{day}T08:30") in offered
    assert (f"{day}T11:30", f"{day}T13:00") in offered


def test_week_view_offers_nothing_within_the_notice_or_beyond_the_window(client):
    today = timezone.localdate()
    soon = RoomFactory(min_notice_minutes=60 * 24 * 8)  # more than this week
    html = client.get(f"/en/rooms/{soon.slug}/").content.decode()
    assert "free: book" not in html

    far = RoomFactory(max_days_ahead=3)
    next_month = today + timedelta(days=31)
    html = client.get(f"/en/rooms/{far.slug}/", {"week": next_month.isoformat()}).content.decode()
    assert "free: book" not in html


def test_search_result_books_the_searched_time_and_people_in_one_click(user_client, day):
    room = RoomFactory(name="Vrije studio", capacity=10)
    search = {"free_from": f"{day}T13:00", "free_until": f"{day}T15:00", "capacity": 6}

    results = user_client.get("/en/rooms/", search).content.decode()
    link = re.search(r'<a class="button" href="([^"]+)">Book Vrije studio for this time', results)
    form_page = user_client.get(link.group(1).replace("&amp;", "&")).content.decode()

    assert link.group(1).startswith(f"/en/rooms/{room.slug}/?week={day}")
    assert shown_moment(form_page, "start") == f"{day}T13:00"
    assert shown_moment(form_page, "end") == f"{day}T15:00"
    assert re.search(r'name="attendees" value="6"', form_page)


def test_room_list_says_up_front_which_rooms_a_person_cannot_book(user_client):
    RoomFactory(name="Raadzaal", bookable_by=["municipality"])
    RoomFactory(name="Studio")

    html = user_client.get("/en/rooms/").content.decode()

    raadzaal = html.split(">Raadzaal</a></h2>", 1)[1]
    studio = html.split(">Studio</a></h2>", 1)[1]
    assert "You cannot book this room." in raadzaal.split("</li>", 1)[0]
    assert "You cannot book this room." not in studio.split("</li>", 1)[0]


def test_refused_booking_offers_free_times_in_the_room_and_free_rooms_then(user_client, day):
    location = LocationFactory(name="Mediapark")
    room = RoomFactory(location=location, name="Studio A", slug="studio-a")
    RoomFactory(location=location, name="Studio B", slug="studio-b", capacity=10)
    RoomFactory(location=location, name="Hokje", slug="hokje", capacity=1)
    create_booking(user=UserFactory(), room=room, start=at(day, "10:00"), end=at(day, "12:00"),
                   title="")  # fmt: skip

    response = user_client.post(
        f"/en/rooms/{room.slug}/", form_data(day, start="11:00", end="12:00", attendees=4)
    )

    html = response.content.decode()
    assert "already booked" in field_error(html, "start")
    options = html.split('id="alternatives-heading"', 1)[1]
    times = re.findall(
        r"start=([^&]+)&amp;end=([^&]+)&amp;attendees=4", options.replace("%3A", ":")
    )
    # The nearest free hours either side of the clash, in this room, first.
    assert [(s[:16], e[:16]) for s, e in times[:2]] == [
        (f"{day}T12:00", f"{day}T13:00"),
        (f"{day}T09:00", f"{day}T10:00"),
    ]
    # Another room of the location with room for four is free then; the one-person room is not.
    assert "/en/rooms/studio-b/?week=" in options
    assert "/en/rooms/hokje/" not in options


def test_week_view_says_closed_and_why_where_a_closure_is(client, day):
    room = RoomFactory()
    Closure.objects.create(
        location=room.location, start=at(day, "13:00"), end=at(day, "15:00"), reason="Verbouwing"
    )

    html = client.get(f"/en/rooms/{room.slug}/", {"week": day.isoformat()}).content.decode()

    closed = re.search(r"13:00</time>–<time[^>]*>15:00</time>\s*([^<]+)", html)
    assert closed.group(1).strip() == "closed: Verbouwing"
