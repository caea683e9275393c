"""Who may write programmes, events, sessions and attendance."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.roles import is_event_organiser
from events.errors import RegistrationError


def require_organiser(actor) -> None:
    if not is_event_organiser(actor):
        raise RegistrationError(_("Only event organisers may do this."), code="forbidden")
