from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef
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
