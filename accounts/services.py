from importlib import import_module
from importlib.util import find_spec
from types import ModuleType

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.feed_tokens import new_feed_nonce
from accounts.models import User
from accounts.sso import SsoIdentity


@transaction.atomic
def rotate_api_token(*, user: User) -> Token:
    """Replace the user's API token; the old key stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def get_or_create_api_token(*, user: User) -> Token:
    token, _created = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def update_profile(*, user: User, name: str, language: str) -> User:
    user.name = name
    user.language = language
    user.save(update_fields=["name", "language"])
    return user


@transaction.atomic
def rotate_feed_token(*, user: User) -> User:
    """Give the user a new personal feed URL; every old one stops working at once."""
    user.feed_nonce = new_feed_nonce()
    user.save(update_fields=["feed_nonce"])
    return user


def set_email_verified(*, user: User, verified: bool) -> User:
    """Store whether the person may book and register (see accounts.selectors)."""
    if user.email_verified != verified:
        user.email_verified = verified
        user.save(update_fields=["email_verified"])
    return user


def record_confirmed_address(*, email_address: EmailAddress) -> None:
    """allauth confirmed `email_address`: it verifies the person if they sign in with it."""
    user = email_address.user
    if email_address.email.lower() == user.email.lower():
        set_email_verified(user=user, verified=True)


def record_primary_address(*, user: User, email_address: EmailAddress) -> None:
    """The person now signs in with `email_address`: verified only if that address is, or
    if they sign in through SSO, whose identity provider vouches for them."""
    verified = email_address.verified or user.socialaccount_set.exists()
    set_email_verified(user=user, verified=verified)


def apply_sso_identity(*, user: User, identity: SsoIdentity) -> User:
    """Store what the identity provider said at this login: affiliation, eduPerson
    affiliations and the roles mapped from its group claim. Runs at every SSO login, so a
    student who becomes staff, or leaves, is re-classified the next time they sign in."""
    user.affiliation = identity.affiliation
    user.sso_affiliations = identity.sso_affiliations
    # The identity provider vouches for the person, whatever its email claim says.
    user.email_verified = True
    user.save(update_fields=["affiliation", "sso_affiliations", "email_verified"])
    for group_name, member in identity.roles.items():
        # get_or_create: the groups come from a data migration, but a flushed test database
        # or a hand-made install may lack them, and a login must not fail on that.
        group, _created = Group.objects.get_or_create(name=group_name)
        if member:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    return user


def _privacy_modules() -> list[tuple[str, ModuleType]]:
    # Each app with a `privacy` module takes part, in INSTALLED_APPS order (accounts, booking,
    # events), exactly as seed_demo finds the `demo` modules.
    modules = []
    for app_config in apps.get_app_configs():
        module_name = f"{app_config.name}.privacy"
        if find_spec(module_name) is not None:
            modules.append((app_config.label, import_module(module_name)))
    return modules


def export_personal_data(*, user: User) -> dict:
    """Everything held about the person, one key per app: the JSON of "download my data"."""
    return {label: module.export_user_data(user) for label, module in _privacy_modules()}


@transaction.atomic
def erase_account(*, user: User) -> None:
    """Erase the person: apps run in reverse order (events, booking, accounts), so the
    events and bookings are cancelled or anonymised before the account itself goes."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    for _label, module in reversed(_privacy_modules()):
        module.erase_user_data(locked)
