from django.utils.functional import SimpleLazyObject

from booking.managers import manages_any_room


def room_manager(request):
    user = getattr(request, "user", None)
    # Asked only when the nav's "Manage" link is not already shown for a role: a room's
    # managers hold no role, only names on rooms and locations.
    return {"manages_rooms": SimpleLazyObject(lambda: manages_any_room(user))}
