from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language_from_path


def language_neutral_path(request):
    """The current path without its /en/ prefix, for the language switch's `next`.

    Django's set_language resolves `next` in the language active on the POST (Dutch, the
    unprefixed default), so a prefixed path would not resolve and would not be translated.
    """
    path = request.get_full_path()
    language = get_language_from_path(request.path_info)
    if language and language != settings.LANGUAGE_CODE:
        path = path[len(language) + 1 :] or "/"
    return {"language_neutral_path": path}


def manage_link(request):
    """Whether the nav shows "Manage": staff roles, and people who hold no role but manage
    a room (booking.managers) or own an event or programme (events.ownership). Lazy; the
    roles come from the one query for the role groups, and the rest is one query more."""
    from django.contrib.auth import get_user_model
    from django.db.models import Exists

    from accounts.roles import (
        is_event_administrator,
        is_event_organiser,
        is_facility_manager,
        is_report_viewer,
    )
    from booking.managers import managed_rooms
    from events.models import Event, Programme

    user = getattr(request, "user", None)

    def shows() -> bool:
        if not getattr(user, "is_authenticated", False):
            return False
        if is_facility_manager(user) or is_event_organiser(user) or is_event_administrator(user):
            return True
        if is_report_viewer(user):
            return True
        # A page every signed-in person sees: the three ways to manage without a role are
        # asked in one round trip, not one each.
        return (
            get_user_model()
            .objects.filter(pk=user.pk)
            .filter(
                Exists(managed_rooms(user))
                | Exists(Event.objects.filter(owners=user))
                | Exists(Programme.objects.filter(owners=user))
            )
            .exists()
        )

    return {"shows_manage_link": SimpleLazyObject(shows)}
