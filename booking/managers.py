"""Who manages which rooms.

A location or a room names its managers: people, or groups (an organisation's team, say).
They approve and decline the bookings of those rooms, close them and see their bookings.
Global facility managers manage every room. A location's managers manage all its rooms.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.roles import FACILITY_MANAGERS, is_facility_manager
from booking.models import Closure, Location, Room


def _named_in(user) -> Q:
    """Rooms that name `user`, directly or by group, on the room or its location."""
    groups = user.groups.through.objects.filter(user=user).values("group_id")
    return (
        Q(managers=user)
        | Q(manager_groups__in=groups)
        | Q(location__managers=user)
        | Q(location__manager_groups__in=groups)
    )


def managed_rooms(user) -> QuerySet[Room]:
    """Every room `user` manages, active or not; facility managers manage all."""
    if is_facility_manager(user):
        return Room.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Room.objects.none()
    # A subquery, not a join: a room named twice (by person and by group) is still one room.
    return Room.objects.filter(pk__in=Room.objects.filter(_named_in(user)).values("pk"))


def managed_locations(user) -> QuerySet[Location]:
    """Locations `user` manages as a whole (which lets them close the location)."""
    if is_facility_manager(user):
        return Location.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Location.objects.none()
    groups = user.groups.through.objects.filter(user=user).values("group_id")
    named = Location.objects.filter(Q(managers=user) | Q(manager_groups__in=groups))
    return Location.objects.filter(pk__in=named.values("pk"))


def manages_room(user, room: Room) -> bool:
    if is_facility_manager(user):
        return True
    return managed_rooms(user).filter(pk=room.pk).exists()


def manages_any_room(user) -> bool:
    if is_facility_manager(user):
        return True
    return managed_rooms(user).exists()


def may_close(user, *, room: Room | None = None, location: Location | None = None) -> bool:
    """A room's managers may close it; only a location's managers may close the location."""
    if location is not None:
        return is_facility_manager(user) or managed_locations(user).filter(pk=location.pk).exists()
    return room is not None and manages_room(user, room)


def approvers(room: Room) -> QuerySet:
    """Who is asked to approve a booking of `room`: its named managers (the room's and its
    location's, with their groups' members), or the facility managers when it names none."""
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    groups = get_user_model().groups.through.objects.filter(user=OuterRef("pk"))
    named = users.filter(
        Q(managed_rooms=room)
        | Q(managed_locations=room.location_id)
        | Exists(groups.filter(group__managed_rooms=room))
        | Exists(groups.filter(group__managed_locations=room.location_id))
    )
    named = users.filter(pk__in=named.values("pk"))
    if named.exists():
        return named.order_by("pk")
    return users.filter(groups__name=FACILITY_MANAGERS).distinct().order_by("pk")


def closures_in_reach(user):
    """The closures `user` may see and remove: of rooms they manage, or locations they do."""
    closures = Closure.objects.select_related("location", "room")
    if is_facility_manager(user):
        return closures
    return closures.filter(
        Q(room__in=managed_rooms(user)) | Q(location__in=managed_locations(user))
    )
