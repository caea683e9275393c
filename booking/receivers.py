"""What booking does when something it refers to by id, not by foreign key, goes."""

from django.db.models import Func, Q, Value

from booking.models import Room


def _without(field: str, pk: int) -> Func:
    return Func(field, Value(pk), function="array_remove")


def forget_organisation(sender, instance, **kwargs):
    # Room rules name organisations by id (booking.models.Room), which the database cannot
    # guard: take a deleted organisation out, so rules list only organisations that exist.
    Room.objects.filter(
        Q(organisations_allowed__contains=[instance.pk])
        | Q(organisations_refused__contains=[instance.pk])
    ).update(
        organisations_allowed=_without("organisations_allowed", instance.pk),
        organisations_refused=_without("organisations_refused", instance.pk),
    )
