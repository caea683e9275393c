from typing import NamedTuple

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import Organisation, SsoIdentifier, User
from accounts.sso import OrganisationGrant


def email_is_verified(user) -> bool:
    """Whether the person may book and register: a local account must have proved its address.

    Accounts made by staff count as verified; one that signed up itself is unverified until
    it follows the link in the mail; an SSO account is verified by its identity provider,
    whatever the provider says about the email claim (Entra sends no `email_verified`).
    The flag on the user is kept by accounts.services, so this costs no query.
    """
    return user.is_authenticated and user.email_verified


def is_sso_account(user) -> bool:
    """Whether the person signs in through an identity provider (SURFconext, Entra ID).

    Such an account never has a password of its own: when the organisation ends the
    person's account, nothing else may keep them signed in here (docs/sso.md).
    """
    return user.is_authenticated and SocialAccount.objects.filter(user=user).exists()


def sso_account_exists(email: str) -> bool:
    return SocialAccount.objects.filter(user__email__iexact=email).exists()


# Apps whose rows about a person are the account itself, gone with it: addresses, SSO links,
# tokens, admin log. Rows of any other app (bookings, registrations, ...) are something the
# person holds.
_ACCOUNT_APPS = {"accounts", "account", "socialaccount", "authtoken", "admin", "auth"}


def _holds_anything() -> Q:
    held = Q(pk__in=[])
    for relation in User._meta.related_objects:
        if relation.related_model._meta.app_label in _ACCOUNT_APPS:
            continue
        rows = relation.related_model._base_manager.filter(**{relation.field.name: OuterRef("pk")})
        held |= Q(Exists(rows))
    return held


def unconfirmed_local_accounts() -> QuerySet[User]:
    """Local sign-ups that never confirmed an address and hold nothing in any app.

    Such an account keeps its address from the person who owns it (an SSO sign-in with that
    address, or a sign-up of their own), so it may go: see `expire_unconfirmed_accounts`.
    """
    addresses = EmailAddress.objects.filter(user=OuterRef("pk"))
    return (
        User.objects.filter(is_staff=False, is_superuser=False, groups__isnull=True)
        .filter(Exists(addresses.filter(verified=False)))
        .exclude(Exists(addresses.filter(verified=True)))
        .exclude(Exists(SocialAccount.objects.filter(user=OuterRef("pk"))))
        .exclude(_holds_anything())
    )


def organisations_by_sso_identifier(identifiers: list[str]) -> dict[str, OrganisationGrant]:
    """The organisations IT mapped to these SSO identifiers (accounts.sso.sso_identifiers)."""
    rows = SsoIdentifier.objects.filter(identifier__in=identifiers).values_list(
        "identifier", "organisation_id", "organisation__affiliation"
    )
    return {key: OrganisationGrant(org_id, affiliation) for key, org_id, affiliation in rows}


class Snapshot(NamedTuple):
    """Who someone was when they booked or registered, kept with the record for reports."""

    affiliation: str
    organisation_id: int | None


def snapshot_of(user) -> Snapshot:
    """The person's affiliation and organisation now; no query (both are on the user row)."""
    if user is None:
        return Snapshot(affiliation="", organisation_id=None)
    return Snapshot(affiliation=user.affiliation, organisation_id=user.organisation_id)


def organisations_with_member_counts() -> QuerySet[Organisation]:
    """Every organisation with `member_count` and its SSO identifiers: two queries."""
    return (
        Organisation.objects.annotate(member_count=Count("members"))
        .prefetch_related(
            Prefetch("sso_identifiers", queryset=SsoIdentifier.objects.order_by("identifier"))
        )
        .order_by("name")
    )


def members_of(organisation: Organisation) -> QuerySet[User]:
    """The organisation's accounts, each with `signs_in_with_sso`, in one query."""
    return (
        User.objects.filter(organisation=organisation)
        .annotate(signs_in_with_sso=Exists(SocialAccount.objects.filter(user=OuterRef("pk"))))
        .order_by("name", "email")
    )
