from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Upper

from accounts.models import User

# Set on a user loaded with `email_verified_expression` (API token requests), so the check
# costs no query of its own on the hottest path, registering in a rush.
VERIFIED_ATTRIBUTE = "_email_verified"


def email_verified_expression() -> ExpressionWrapper:
    """The rule of `email_is_verified` as SQL, for a query of users to carry."""
    # Upper() on both sides, not iexact: with a column on the right SQLite's iexact is a LIKE
    # that would read "_" and "%" in an address as wildcards.
    addresses = EmailAddress.objects.alias(email_upper=Upper("email")).filter(
        user=OuterRef("pk"), email_upper=Upper(OuterRef("email"))
    )
    return ExpressionWrapper(
        Exists(SocialAccount.objects.filter(user=OuterRef("pk")))
        | ~Exists(addresses)
        | Exists(addresses.filter(verified=True)),
        output_field=BooleanField(),
    )


def email_is_verified(user) -> bool:
    """Whether the person may book and register: a local account must have proved its address.

    Accounts made by staff carry no pending EmailAddress row and count as verified; one that
    signed up itself is unverified until it follows the link in the mail. An SSO account is
    verified by its identity provider, whatever the provider says about the email claim
    (Entra sends no `email_verified`).
    """
    if not user.is_authenticated:
        return False
    known = getattr(user, VERIFIED_ATTRIBUTE, None)
    if known is not None:
        return known
    return (
        User.objects.filter(pk=user.pk)
        .annotate(verified=email_verified_expression())
        .values_list("verified", flat=True)
        .get()
    )


def is_sso_account(user) -> bool:
    """Whether the person signs in through an identity provider (SURFconext, Entra ID).

    Such an account never has a password of its own: when the organisation ends the
    person's account, nothing else may keep them signed in here (docs/sso.md).
    """
    return user.is_authenticated and SocialAccount.objects.filter(user=user).exists()


def sso_account_exists(email: str) -> bool:
    return SocialAccount.objects.filter(user__email__iexact=email).exists()


def last_sso_login_expression() -> Subquery:
    """When the person last signed in through SSO (allauth touches the SocialAccount at
    every sign-in), or NULL for a local account."""
    return Subquery(
        SocialAccount.objects.filter(user=OuterRef("pk"))
        .order_by("-last_login")
        .values("last_login")[:1]
    )


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
