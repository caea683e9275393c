"""Owners of events and programmes: added by email, invited when they have no account yet,
removed, but never the last one.

Adding and removing lock the event's (or programme's) row first, so two owners who remove
each other at the same moment are served one after the other: the second finds one owner
left and is refused, instead of both counting two and leaving none.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import outbox
from events.errors import RegistrationError
from events.models import Event, OwnerInvitation, Programme
from events.services.roles import require_event_manager, require_programme_manager

OWNER_INVITATION = "events.owner_invitation"


@dataclass(frozen=True)
class OwnerAdded:
    """What adding an address did: made `user` an owner, or sent `invitation`."""

    user: object | None = None
    invitation: OwnerInvitation | None = None


def _locked(target: Event | Programme) -> Event | Programme:
    return type(target).objects.select_for_update().get(pk=target.pk)


def _require_manager(actor, target: Event | Programme) -> None:
    if isinstance(target, Event):
        require_event_manager(actor, target)
    else:
        require_programme_manager(actor, target)


def _clean_email(email: str) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise RegistrationError(_("Enter a valid email address."), field="email") from None
    return email


def _add_owner(*, actor, target: Event | Programme, email: str) -> OwnerAdded:
    email = _clean_email(email)
    with transaction.atomic():
        locked = _locked(target)
        _require_manager(actor, locked)
        user = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if user is not None:
            if locked.owners.filter(pk=user.pk).exists():
                raise RegistrationError(
                    _("%(email)s is an owner already.") % {"email": user.email}, field="email"
                )
            locked.owners.add(user)
            return OwnerAdded(user=user)
        invitations = locked.owner_invitations.annotate(lower_email=Lower("email"))
        if invitations.filter(lower_email=email.lower()).exists():
            raise RegistrationError(
                _("%(email)s has been invited already.") % {"email": email}, field="email"
            )
        invitation = OwnerInvitation.objects.create(
            **{_target_field(locked): locked}, email=email, invited_by=actor
        )
        # The invitee has no language yet: the mail speaks the inviter's.
        outbox.owe(OWNER_INVITATION, [({"invitation": invitation.pk}, translation.get_language())])
    return OwnerAdded(invitation=invitation)


def _target_field(target: Event | Programme) -> str:
    return "event" if isinstance(target, Event) else "programme"


def _remove_owner(*, actor, target: Event | Programme, user) -> None:
    with transaction.atomic():
        locked = _locked(target)
        # Asked again under the lock: the actor may have been removed a moment ago.
        _require_manager(actor, locked)
        owner_ids = set(locked.owners.values_list("pk", flat=True))
        if user.pk not in owner_ids:
            raise RegistrationError(_("This person is not an owner."), code="not_found")
        if len(owner_ids) == 1:
            raise RegistrationError(_("The last owner cannot be removed. Add another owner first."))
        locked.owners.remove(user)


def add_event_owner(*, actor, event: Event, email: str) -> OwnerAdded:
    """Make the person with this address an owner of the event, or invite the address."""
    return _add_owner(actor=actor, target=event, email=email)


def remove_event_owner(*, actor, event: Event, user) -> None:
    """Remove an owner of the event (one may remove oneself); never the last one."""
    _remove_owner(actor=actor, target=event, user=user)


def add_programme_owner(*, actor, programme: Programme, email: str) -> OwnerAdded:
    return _add_owner(actor=actor, target=programme, email=email)


def remove_programme_owner(*, actor, programme: Programme, user) -> None:
    _remove_owner(actor=actor, target=programme, user=user)


def withdraw_owner_invitation(*, actor, invitation: OwnerInvitation) -> None:
    _require_manager(actor, invitation.event or invitation.programme)
    invitation.delete()


@transaction.atomic
def claim_owner_invitations(*, user, verified_email: str) -> int:
    """The person signed in with (or confirmed) `verified_email`: every invitation to that
    address makes them an owner. Returns how many invitations they took up."""
    if not user.is_active or verified_email.lower() != user.email.lower():
        return 0
    invitations = list(
        OwnerInvitation.objects.annotate(lower_email=Lower("email"))
        .filter(lower_email=verified_email.lower())
        .select_for_update()
    )
    if not invitations:
        return 0
    Event.owners.through.objects.bulk_create(
        [
            Event.owners.through(event_id=i.event_id, user_id=user.pk)
            for i in invitations
            if i.event_id
        ],
        ignore_conflicts=True,
    )
    Programme.owners.through.objects.bulk_create(
        [
            Programme.owners.through(programme_id=i.programme_id, user_id=user.pk)
            for i in invitations
            if i.programme_id
        ],
        ignore_conflicts=True,
    )
    OwnerInvitation.objects.filter(pk__in=[i.pk for i in invitations]).delete()
    return len(invitations)
