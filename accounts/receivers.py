"""allauth's address signals, turned into the services that keep `User.email_verified`;
and the SSO organisations the settings name, seeded after every `migrate`."""

from allauth.account.signals import email_changed, email_confirmed
from django.conf import settings
from django.dispatch import receiver

from accounts import services


@receiver(email_confirmed, dispatch_uid="accounts.email_confirmed")
def address_confirmed(sender, request, email_address, **kwargs):
    services.record_confirmed_address(email_address=email_address)


@receiver(email_changed, dispatch_uid="accounts.email_changed")
def primary_address_changed(sender, request, user, from_email_address, to_email_address, **kwargs):
    services.record_primary_address(user=user, email_address=to_email_address)


def seed_sso_organisations(sender, apps=None, **kwargs):
    # Also after a test's flush (post_migrate without `apps`), so HU's mapping is always
    # there; not when accounts is migrated back to before its organisations existed.
    try:
        if apps is not None:
            apps.get_model("accounts", "SsoIdentifier")
    except LookupError:
        return
    services.seed_sso_organisations(
        home_organizations=settings.SURFCONEXT_HOME_ORGANIZATIONS,
        entra_tenant_id=settings.ENTRA_TENANT_ID,
    )
