from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Subquery
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
