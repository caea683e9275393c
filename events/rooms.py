"""Turning the API's and the forms' session input into SessionSpecs (rooms by slug)."""

from django.utils.translation import gettext as _

from events.errors import RegistrationError
from events.services import SessionSpec


def session_specs_from(items: list[dict]) -> list[SessionSpec]:
    specs = []
    for item in items:
        if item.get("room"):
            raise RegistrationError(
                _("Unknown room %(slug)s.") % {"slug": item["room"]}, field="sessions"
            )
        specs.append(
            SessionSpec(
                id=item.get("id"),
                start=item["start"],
                end=item["end"],
                room=None,
                location_text=item.get("location_text", ""),
            )
        )
    return specs


def room_choices() -> list[tuple[str, str]]:
    return []


def room_by_slug(slug: str):
    raise RegistrationError(_("Unknown room %(slug)s.") % {"slug": slug}, field="room")


def session_room_slug(session) -> str:
    return ""


def room_clashes(start, end, *, exclude_session=None) -> list:
    return []
