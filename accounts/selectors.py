from allauth.account.models import EmailAddress


def email_is_verified(user) -> bool:
    """Whether a local account has proved its address.

    Accounts made by staff or by SSO carry no pending EmailAddress row and count as verified;
    one that signed up itself is unverified until it follows the link in the mail.
    """
    if not user.is_authenticated:
        return False
    verified = list(
        EmailAddress.objects.filter(user=user, email__iexact=user.email).values_list(
            "verified", flat=True
        )
    )
    return not verified or any(verified)
