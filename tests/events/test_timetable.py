"""The programme's timetable grid, its table, and the embeddable copy other sites may frame."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import schedule_grid, services
from events.models import Event, Registration, RegistrationStatus
from tests.booking.factories import RoomFactory
from tests.events.conftest import future
from tests.factories import EventFactory, ProgrammeFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "timetable.css"


def session_cell(html: str, title: str) -> str:
    """The grid's <li> of the session titled `title`."""
    match = re.search(
        r'<li class="tt-session[^"]*">(?:(?!</li>).)*?' + title + r"(?:(?!</li>).)*</li>",
        html,
        re.S,
    )
    assert match, f"no grid cell for {title}"
    return match.group(0)


def placement(cell: str) -> tuple[str, str, str]:
    classes = re.match(r'<li class="([^"]*)"', cell).group(1).split()
    return tuple(
        next(c for c in classes if re.fullmatch(prefix + r"\d+", c))
        for prefix in ("tt-c", "tt-r", "tt-s")
    )


@pytest.fixture
def dmw(db):
    return ProgrammeFactory(slug="dmw", name="Dutch Media Week", title_en="Dutch Media Week EN")


def talk(programme, title, start, minutes, room=None, **fields):
    """An event with one session; in a room, the room booked as the services book it."""
    event = EventFactory(programme=programme, title=title, kind="dmw_session", **fields)
    end = start + timedelta(minutes=minutes)
    if room is None:
        SessionFactory(event=event, start=start, end=end, location_text="Tivoli foyer")
    else:
        services.add_session(
            actor=UserFactory(is_superuser=True),
            event=event,
            spec=services.SessionSpec(start=start, end=end, room=room),
        )
    return event


def test_grid_puts_rooms_in_columns_and_sessions_over_their_length(dmw, client):
    studio, lab = RoomFactory(name="A studio"), RoomFactory(name="B lab")
    nine = future(days=5, hour=9)
    talk(dmw, "Opening", nine, 60, room=studio)
    talk(dmw, "Newsroom AI", nine + timedelta(minutes=30), 45, room=lab)
    talk(dmw, "Walk-in", nine + timedelta(hours=2), 15)

    html = client.get("/en/events/?programme=dmw").content.decode()

    # Rows from 09:00, five minutes each after the heads' row; rooms by name, then places.
    assert placement(session_cell(html, "Opening")) == ("tt-c2", "tt-r2", "tt-s12")
    assert placement(session_cell(html, "Newsroom AI")) == ("tt-c3", "tt-r8", "tt-s9")
    assert placement(session_cell(html, "Walk-in")) == ("tt-c4", "tt-r26", "tt-s3")
    heads = re.findall(r'<li class="tt-label tt-room tt-c(\d+) tt-r1"[^>]*>([^<]*)<', html)
    assert heads == [("2", "A studio"), ("3", "B lab"), ("4", "Tivoli foyer")]
    hours = re.findall(r'tt-hour tt-c1 tt-r(\d+) tt-s(\d+)"[^>]*>([^<]*)<', html)
    assert hours == [("2", "12", "09:00"), ("14", "12", "10:00"), ("26", "12", "11:00")]


def test_grid_sets_sessions_at_one_place_at_once_side_by_side(dmw, client):
    # Only outside our rooms: a room of ours is never booked twice.
    ten = future(days=5, hour=10)
    talk(dmw, "Panel one", ten, 60)
    talk(dmw, "Panel two", ten + timedelta(minutes=30), 60)
    talk(dmw, "Panel three", ten + timedelta(minutes=60), 30)

    html = client.get("/en/events/?programme=dmw").content.decode()

    assert placement(session_cell(html, "Panel one"))[0] == "tt-c2"
    assert placement(session_cell(html, "Panel two"))[0] == "tt-c3"
    # Free again once the first has ended.
    assert placement(session_cell(html, "Panel three"))[0] == "tt-c2"
    assert html.count("tt-room tt-c") == 2


def test_grid_days_follow_each_other_and_each_has_a_table(dmw, client):
    talk(dmw, "Day one", future(days=5, hour=9), 60)
    talk(dmw, "Day two", future(days=6, hour=9), 60)

    html = client.get("/en/events/?programme=dmw").content.decode()

    assert html.count('class="timetable-day"') == 2
    assert html.count('<table class="timetable">') == 2
    assert html.index("Day one") < html.index("Day two")


def test_timetable_shows_english_titles_and_seats_in_words(dmw, client):
    full = talk(dmw, "Volle zaal", future(days=5, hour=9), 60, title_en="Full house", capacity=1)
    full.seats_taken = 1
    full.save()
    talk(dmw, "Klein gesprek", future(days=5, hour=11), 60, capacity=1, title_en="Small talk")
    talk(dmw, "Gesloten", future(days=5, hour=13), 60, waitlist=False, capacity=0)

    english = client.get("/en/events/?programme=dmw").content.decode()
    dutch = client.get("/events/?programme=dmw").content.decode()

    assert "Full: waitlist open" in session_cell(english, "Full house")
    assert "1 seat left" in session_cell(english, "Small talk")
    assert re.search(r'class="tt-seats">\s*Full\s*</p>', session_cell(english, "Gesloten"))
    assert "Volle zaal" in dutch
    assert "Full house" not in dutch
    assert "nog 1 plaats vrij" in session_cell(dutch, "Klein gesprek")


def test_timetable_register_button_registers_through_the_usual_flow(dmw, client):
    event = talk(dmw, "Opening", future(days=5, hour=9), 60)
    person = UserFactory()
    client.force_login(person)

    html = client.get("/en/events/?programme=dmw").content.decode()
    action = re.search(r'<form method="post" action="([^"]+)">', session_cell(html, "Opening"))
    response = client.post(action.group(1))

    assert action.group(1) == f"/en/events/{event.slug}/register/"
    assert response.status_code == 302
    assert Registration.objects.get(event=event, user=person).status == RegistrationStatus.CONFIRMED
    again = client.get("/en/events/?programme=dmw").content.decode()
    assert "You are registered." in session_cell(again, "Opening")
    assert "<form" not in session_cell(again, "Opening")


def test_timetable_asks_visitors_to_sign_in_to_register(dmw, client):
    talk(dmw, "Opening", future(days=5, hour=9), 60)

    cell = session_cell(client.get("/en/events/?programme=dmw").content.decode(), "Opening")

    assert "<form" not in cell
    assert "/en/accounts/login/?next=/en/events/%3Fprogramme%3Ddmw" in cell


def test_timetable_query_count_is_constant(dmw, client):
    rooms = [RoomFactory() for _ in range(3)]
    person = UserFactory()
    client.force_login(person)

    def add(count):
        for _ in range(count):
            n = Event.objects.count()
            start = future(days=5 + n // 27, hour=8 + n % 9)
            event = talk(dmw, f"Talk {n}", start, 50, room=rooms[n // 9 % 3])
            if n % 2:
                Registration.objects.create(
                    event=event, user=person, status=RegistrationStatus.CONFIRMED
                )

    add(2)
    client.get("/en/events/?programme=dmw")
    with CaptureQueriesContext(connection) as few:
        client.get("/en/events/?programme=dmw")
        client.get("/en/programmes/dmw/embed/")
    add(30)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/en/events/?programme=dmw")
        embed = client.get("/en/programmes/dmw/embed/")

    assert page.status_code == embed.status_code == 200
    assert page.content.decode().count('class="tt-session') == 32
    assert len(many) == len(few)


def test_timetable_css_has_every_placement_class_the_grid_may_name():
    text = CSS.read_text()

    generated = text[text.index(schedule_grid.GENERATED_MARKER) :]

    assert generated == schedule_grid.grid_css(), (
        "Regenerate the end of static/css/timetable.css: "
        "DJANGO_SETTINGS_MODULE=config.settings python -m events.schedule_grid"
    )


def test_a_long_day_stays_within_the_generated_rows(dmw, client):
    talk(dmw, "All night", future(days=5, hour=0), 24 * 60 + 120)

    cell = session_cell(client.get("/en/events/?programme=dmw").content.decode(), "All night")

    _column, row, span = placement(cell)
    assert int(row[4:]) + int(span[4:]) - 1 <= schedule_grid.HEADER_ROWS + schedule_grid.MAX_SLOTS


# --- the embeddable timetable -------------------------------------------------------------------


def test_embed_is_the_grid_without_the_site_and_opens_registration_in_a_new_tab(dmw, client):
    event = talk(dmw, "Opening", future(days=5, hour=9), 60, title_en="Opening night")
    client.force_login(UserFactory())

    html = client.get("/en/programmes/dmw/embed/").content.decode()

    assert 'class="site-header"' not in html
    assert "<form" not in html
    cell = session_cell(html, "Opening night")
    assert (
        f'<a class="button" href="/en/events/{event.slug}/" target="_blank" rel="noopener"' in cell
    )
    assert "Dutch Media Week EN" in html
    assert "Opening</a>" in session_cell(
        client.get("/programmes/dmw/embed/").content.decode(), "Opening"
    )


def test_embed_and_grid_leave_drafts_out(dmw, client):
    talk(dmw, "Published talk", future(days=5, hour=9), 60)
    talk(dmw, "Draft talk", future(days=5, hour=11), 60, published=False)

    for url in ("/en/programmes/dmw/embed/", "/en/events/?programme=dmw"):
        html = client.get(url).content.decode()
        assert "Published talk" in html, url
        assert "Draft talk" not in html, url


def test_embed_of_an_unknown_programme_is_a_404(db, client):
    assert client.get("/programmes/nope/embed/").status_code == 404


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(p.strip() for p in policy.split(";") if p.strip().startswith("frame-ancestors"))


def test_embed_may_be_framed_by_the_configured_sites_only(dmw, client, settings):
    settings.EMBED_FRAME_ANCESTORS = ["https://www.mediapark.nl", "https://dmw.example"]

    embed = client.get("/programmes/dmw/embed/")

    assert frame_ancestors(embed) == (
        "frame-ancestors 'self' https://www.mediapark.nl https://dmw.example"
    )
    assert "X-Frame-Options" not in embed
    assert "style-src 'self'" in embed["Content-Security-Policy"]


def test_embed_by_default_may_be_framed_by_this_site_only(dmw, client):
    assert frame_ancestors(client.get("/en/programmes/dmw/embed/")) == "frame-ancestors 'self'"


def test_every_other_page_still_refuses_every_frame(dmw, client, settings):
    settings.EMBED_FRAME_ANCESTORS = ["https://www.mediapark.nl"]

    for url in ("/events/?programme=dmw", "/en/events/", "/"):
        response = client.get(url)
        assert frame_ancestors(response) == "frame-ancestors 'none'", url
        assert response["X-Frame-Options"] == "DENY", url


def test_an_embed_origin_that_would_break_the_policy_is_refused(dmw, client, settings):
    settings.EMBED_FRAME_ANCESTORS = ["https://a.example; script-src *"]

    with pytest.raises(ImproperlyConfigured):
        client.get("/programmes/dmw/embed/")
