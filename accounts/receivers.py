"""allauth's address signals, turned into the services that keep `User.email_verified`."""

from allauth.account.signals import email_changed, email_confirmed
from django.dispatch import receiver

from accounts import services


@receiver(email_confirmed, dispatch_uid="accounts.email_confirmed")
def address_confirmed(sender, request, email_address, **kwargs):
    services.record_confirmed_address(email_address=email_address)


@receiver(email_changed, dispatch_uid="accounts.email_changed")
def primary_address_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    services.record_primary_address(user=user, email_address=to_email_address)
