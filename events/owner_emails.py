"""The invitation to co-organise, sent to an address that has no account yet.

Owed by events.services.owners in the transaction that makes the invitation; built here by
the outbox worker. An invitation taken up or withdrawn before the mail goes out is not sent.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import outbox
from accounts.models import OutboxMail
from events.models import OwnerInvitation


def build_owner_invitation_batch(
    rows: list[OutboxMail],
) -> dict[int, EmailMultiAlternatives | None]:
    """One query for the batch's invitations with their events, programmes and inviters."""
    invitations = OwnerInvitation.objects.select_related(
        "event", "programme", "invited_by"
    ).in_bulk({row.payload["invitation"] for row in rows})
    messages: dict[int, EmailMultiAlternatives | None] = {}
    for row in rows:
        invitation = invitations.get(row.payload["invitation"])
        messages[row.pk] = (
            None if invitation is None else invitation_message(invitation, row.language)
        )
    return messages


def invitation_message(invitation: OwnerInvitation, language: str) -> EmailMultiAlternatives:
    with outbox.in_language(language):
        if invitation.event_id:
            title = invitation.event.title
            manage_path = reverse("events:manage-event", kwargs={"slug": invitation.event.slug})
        else:
            title = invitation.programme.name
            manage_path = reverse(
                "events:manage-programme", kwargs={"slug": invitation.programme.slug}
            )
        inviter = invitation.invited_by
        context = {
            "title": title,
            "is_event": bool(invitation.event_id),
            "inviter": inviter.name or inviter.email if inviter else "",
            "email": invitation.email,
            "signup_url": settings.SITE_URL + reverse("account_signup"),
            "manage_url": settings.SITE_URL + manage_path,
        }
        return outbox.templated_message(
            "events/email/owner_invitation",
            context,
            subject=_("You are invited to co-organise %(title)s") % {"title": title},
            to=invitation.email,
        )
