"""Who manages which events and programmes.

An event is managed by its owners (its creator and the co-organisers they add), by the
owners of its programme, and by event administrators (the group `event_administrators`
and superusers), who manage everything. Ownership is what grants it: a co-organiser
needs no role of their own. Creating events and programmes takes the event organiser role.

Each question is one query at most (the role groups are cached on the user), and the lists
are two subqueries, whatever their length.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.roles import is_event_administrator, is_event_organiser
from events.models import Event, Programme


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def may_create_events(user) -> bool:
    return is_event_organiser(user) or is_event_administrator(user)


def managed_events(user) -> QuerySet[Event]:
    """The events `user` manages: all of them for an administrator."""
    if not _signed_in(user):
        return Event.objects.none()
    if is_event_administrator(user):
        return Event.objects.all()
    owned = Event.objects.filter(Q(owners=user) | Q(programme__owners=user)).values("pk")
    return Event.objects.filter(pk__in=owned)


def managed_programmes(user) -> QuerySet[Programme]:
    if not _signed_in(user):
        return Programme.objects.none()
    if is_event_administrator(user):
        return Programme.objects.all()
    return Programme.objects.filter(pk__in=Programme.objects.filter(owners=user).values("pk"))


def may_manage_event(user, event: Event | int) -> bool:
    """`event`: the event or its id."""
    if not _signed_in(user):
        return False
    if is_event_administrator(user):
        return True
    return (
        Event.objects.filter(pk=getattr(event, "pk", event))
        .filter(Q(owners=user) | Q(programme__owners=user))
        .exists()
    )


def may_manage_programme(user, programme: Programme) -> bool:
    if not _signed_in(user):
        return False
    if is_event_administrator(user):
        return True
    return programme.owners.filter(pk=user.pk).exists()


def manages_anything(user) -> bool:
    """Whether /manage/ has something for `user` from events: two queries at most."""
    if may_create_events(user):
        return True
    if not _signed_in(user):
        return False
    return (
        Event.objects.filter(owners=user).exists() or Programme.objects.filter(owners=user).exists()
    )
