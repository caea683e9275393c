def email_is_verified(user) -> bool:
    """Whether the person may book and register: a local account must have proved its address.

    Accounts made by staff count as verified; one that signed up itself is unverified until
    it follows the link in the mail; an SSO account is verified by its identity provider,
    whatever the provider says about the email claim (Entra sends no `email_verified`).
    The flag on the user is kept by accounts.services, so this costs no query.
    """
    return user.is_authenticated and user.email_verified
