from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount


def email_is_verified(user) -> bool:
    """Whether the person may book and register: a local account must have proved its address.

    Accounts made by staff carry no pending EmailAddress row and count as verified; one that
    signed up itself is unverified until it follows the link in the mail. An SSO account is
    verified by its identity provider, whatever the provider says about the email claim
    (Entra sends no `email_verified`).
    """
    if not user.is_authenticated:
        return False
    if SocialAccount.objects.filter(user=user).exists():
        return True
    verified = list(
        EmailAddress.objects.filter(user=user, email__iexact=user.email).values_list(
            "verified", flat=True
        )
    )
    return not verified or any(verified)
