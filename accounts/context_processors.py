from django.utils.functional import SimpleLazyObject

from accounts.roles import is_event_organiser, is_facility_manager


def roles(request):
    user = getattr(request, "user", None)
    return {
        "is_facility_manager": SimpleLazyObject(lambda: is_facility_manager(user)),
        "is_event_organiser": SimpleLazyObject(lambda: is_event_organiser(user)),
    }
