"""How the schedule import names its events and reads a track as a theme: pure functions of the
import (events/services/schedule.py), on each of their limits. Written against mutmut's
survivors."""

import uuid
from datetime import datetime
from types import SimpleNamespace

import pytest

from events.errors import RegistrationError
from events.schedule_import import ScheduleTalk
from events.services.schedule import _event_slug, theme_for_track

GUID = uuid.UUID("0123456789abcdef0123456789abcdef")
PROGRAMME = SimpleNamespace(slug="dmw-2026")


def talk(title: str) -> ScheduleTalk:
    moment = datetime(2026, 3, 2, 10)
    return ScheduleTalk(
        guid=GUID, title=title, description="", start=moment, end=moment, room="", track="",
        persons=(),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("track", "theme"),
    [
        ("media_ict", "media_ict"),
        ("Media-ICT", "media_ict"),
        ("Duurzaamheid", "sustainability"),
        ("zorg en onderwijs", "care_education"),
        ("Care and Education", "care_education"),
        ("Podcasts", None),
    ],
)
def test_a_track_names_a_theme_by_its_value_or_its_label_in_either_language(track, theme):
    assert theme_for_track(track) == theme


def test_an_event_slug_is_the_programme_the_title_and_eight_digits_of_the_guid():
    taken = set()

    slug = _event_slug(PROGRAMME, talk("Podcast maken"), taken)

    assert slug == "dmw-2026-podcast-maken-01234567"
    assert taken == {slug}


def test_a_long_title_is_cut_at_60_characters_without_a_dash_at_the_cut():
    # "dmw-2026-" and 50 letters are 59 characters: the 60th is the dash before "tail".
    title = "a" * 50 + " tail"

    slug = _event_slug(PROGRAMME, talk(title), set())

    assert slug == "dmw-2026-" + "a" * 50 + "-01234567"


def test_a_taken_slug_takes_more_of_the_guid_and_then_gives_up():
    base = "dmw-2026-podcast-maken-"
    taken = {base + GUID.hex[:8]}

    assert _event_slug(PROGRAMME, talk("Podcast maken"), taken) == base + GUID.hex[:16]
    assert _event_slug(PROGRAMME, talk("Podcast maken"), taken) == base + GUID.hex[:32]
    with pytest.raises(RegistrationError) as refused:
        _event_slug(PROGRAMME, talk("Podcast maken"), taken)

    assert str(refused.value.message) == "No free slug for Podcast maken."
