from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from accounts import selectors
from accounts.discovery import app_modules
from accounts.errors import AccountError
from accounts.feed_tokens import new_feed_nonce
from accounts.models import (
    Affiliation,
    Organisation,
    OrganisationKind,
    SsoIdentifier,
    User,
)
from accounts.sso import SsoIdentity


@transaction.atomic
def rotate_api_token(*, user: User) -> Token:
    """Replace the user's API token; the old key stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def get_or_create_api_token(*, user: User) -> Token:
    token, _created = Token.objects.get_or_create(user=user)
    return token


def expire_unconfirmed_accounts(*, older_than: timedelta) -> int:
    """Delete local sign-ups that never confirmed their address within `older_than` and
    hold nothing: anyone can sign up with someone else's address and leave it there."""
    cutoff = timezone.now() - older_than
    expired = selectors.unconfirmed_local_accounts().filter(date_joined__lt=cutoff)
    _total, per_model = expired.delete()
    return per_model.get(User._meta.label, 0)


def release_unconfirmed_address(*, email: str) -> None:
    """Before an SSO sign-in creates its account: an unconfirmed local sign-up that holds
    nothing gives the address up, so the person whose address it is can sign in."""
    if email:
        selectors.unconfirmed_local_accounts().filter(email__iexact=email).delete()


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
    """Store what the identity provider said at this login: organisation and the affiliation
    it grants, eduPerson affiliations and the roles mapped from its group claim. Runs at
    every SSO login, so a student who becomes staff, or changes school, is re-classified the
    next time they sign in."""
    user.affiliation = identity.affiliation
    user.organisation_id = identity.organisation_id
    user.sso_affiliations = identity.sso_affiliations
    # The identity provider vouches for the person, whatever its email claim says.
    user.email_verified = True
    user.sso_signed_in_at = timezone.now()
    fields = [
        "affiliation",
        "organisation",
        "sso_affiliations",
        "email_verified",
        "sso_signed_in_at",
    ]
    if user.has_usable_password():
        # A password (set before SSO accounts were refused one, or by staff) would let the
        # person in after their organisation ended their account.
        user.set_unusable_password()
        fields.append("password")
    user.save(update_fields=fields)
    for group_name, member in identity.roles.items():
        # get_or_create: the groups come from a data migration, but a flushed test database
        # or a hand-made install may lack them, and a login must not fail on that.
        group, _created = Group.objects.get_or_create(name=group_name)
        if member:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    return user


# Local accounts get these from staff; HU and municipal ones only from their SSO sign-in.
STAFF_GRANTED_AFFILIATIONS = {Affiliation.PARTNER, Affiliation.PUBLIC}


def organisation_refusal(*, user: User, organisation: Organisation | None) -> str | None:
    """Why staff may not put `user` in `organisation` (None: no longer in any), or None."""
    if selectors.is_sso_account(user):
        return _("This person signs in through SSO; the identity provider sets the organisation.")
    if organisation is not None and organisation.affiliation not in STAFF_GRANTED_AFFILIATIONS:
        return _("Only SSO sign-in gives the HU or municipality affiliation.")
    return None


@transaction.atomic
def attach_to_organisation(*, user: User, organisation: Organisation | None) -> User:
    """Staff put a local account in a partner organisation, or take it out: the person gets
    the affiliation the organisation grants, or `public` without one."""
    refusal = organisation_refusal(user=user, organisation=organisation)
    if refusal:
        raise AccountError(refusal, field="organisation")
    user.organisation = organisation
    user.affiliation = organisation.affiliation if organisation else Affiliation.PUBLIC
    user.save(update_fields=["organisation", "affiliation"])
    return user


HU_SLUG = "hu"
MUNICIPALITY_SLUG = "gemeente-hilversum"


def seed_sso_organisations(*, home_organizations: list[str], entra_tenant_id: str) -> None:
    """HU and the municipality, with the SSO identifiers the deployment's settings name
    (SURFCONEXT_HOME_ORGANIZATIONS, ENTRA_TENANT_ID). Runs after every `migrate` and leaves
    what exists alone, so IT's changes in the admin stay (docs/sso.md)."""
    hu, municipality = (
        Organisation.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "affiliation": affiliation}
        )[0]
        for slug, name, kind, affiliation in (
            (HU_SLUG, "Hogeschool Utrecht", OrganisationKind.HU, Affiliation.HU),
            (
                MUNICIPALITY_SLUG,
                "Gemeente Hilversum",
                OrganisationKind.MUNICIPALITY,
                Affiliation.MUNICIPALITY,
            ),
        )
    )
    wanted = [(f"schac:{home.strip().lower()}", hu) for home in home_organizations if home.strip()]
    if entra_tenant_id.strip():
        wanted.append((f"entra:{entra_tenant_id.strip().lower()}", municipality))
    for identifier, organisation in wanted:
        SsoIdentifier.objects.get_or_create(
            identifier=identifier, defaults={"organisation": organisation}
        )


def export_personal_data(*, user: User) -> dict:
    """Everything held about the person, one key per app: the JSON of "download my data"."""
    return {label: module.export_user_data(user) for label, module in app_modules("privacy")}


@transaction.atomic
def erase_account(*, user: User) -> None:
    """Erase the person: apps run in reverse order (events, booking, accounts), so the
    events and bookings are cancelled or anonymised before the account itself goes."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    for _label, module in reversed(app_modules("privacy")):
        module.erase_user_data(locked)
