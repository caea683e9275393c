"""Which language of an event's or programme's own text to show.

Content is written in Dutch (`title`, `description`; a programme's `name`) and optionally in
English (`title_en`, `description_en`): English readers get the English text where there is
one, else the Dutch; everyone else gets the Dutch.
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _


def _english(language: str | None) -> bool:
    return (language or get_language() or "").startswith("en")


def event_title(event, language: str | None = None) -> str:
    return (_english(language) and event.title_en) or event.title


def event_description(event, language: str | None = None) -> str:
    return (_english(language) and event.description_en) or event.description


def programme_name(programme, language: str | None = None) -> str:
    return (_english(language) and programme.title_en) or programme.name


def programme_description(programme, language: str | None = None) -> str:
    return (_english(language) and programme.description_en) or programme.description


def speaker_line(speaker) -> str:
    if speaker.organisation:
        return _("%(name)s (%(organisation)s)") % {
            "name": speaker.name,
            "organisation": speaker.organisation,
        }
    return speaker.name
