"""Invitations to own an event or programme are taken up when the invited address signs in
verified: at every sign-in (SSO, local, after sign-up) and when an address is confirmed."""

from allauth.account.signals import email_confirmed
from django.contrib.auth.signals import user_logged_in

from events import services


def take_up_on_login(sender, request, user, **kwargs):
    if user.email_verified:
        services.claim_owner_invitations(user=user, verified_email=user.email)


def take_up_on_confirmation(sender, request, email_address, **kwargs):
    if email_address.verified:
        services.claim_owner_invitations(
            user=email_address.user, verified_email=email_address.email
        )


def connect() -> None:
    user_logged_in.connect(take_up_on_login, dispatch_uid="events.owner_invitations.login")
    email_confirmed.connect(
        take_up_on_confirmation, dispatch_uid="events.owner_invitations.confirmed"
    )
