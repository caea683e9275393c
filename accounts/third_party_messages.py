"""Strings of Django and allauth that our Dutch catalogue translates itself.

Nothing imports this module: it is here so that `make messages` puts these exact source strings
in locale/nl, and LOCALE_PATHS takes precedence over the catalogues of installed apps. Listed
are the strings on our sign-up, sign-in and password pages whose Dutch is missing upstream
(Django 5.2 changed the password-length message; its Dutch still has the old one), or that
use other words than ours: allauth says "aanmelden"/"registreren" where we say
"inloggen"/"account aanmaken", and Django's password rules say "uw" where we say "je".
Each string must stay identical to its source, typographic apostrophes included.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

ALLAUTH = (
    gettext_noop("Signup"),
    gettext_noop("Sign Up"),
    gettext_noop("Sign In"),
    gettext_noop("Sign Out"),
    gettext_noop("Already have an account? Then please %(link)ssign in%(end_link)s."),
    gettext_noop("Are you sure you want to sign out?"),
    gettext_noop("You have signed out."),
    gettext_noop("Confirmation email sent to %(email)s."),
    gettext_noop("Re-send Verification"),
    gettext_noop("A user is already registered with this email address."),
    gettext_noop("If it was you, you can sign up for an account using the link below."),
    gettext_noop(
        "We have sent an email to you for verification. Follow the link provided to finalize "
        "the signup process. If you do not see the verification email in your main inbox, "
        "check your spam folder. Please contact us if you do not receive the verification "
        "email within a few minutes."
    ),
    gettext_noop(
        "We have sent you an email. If you have not received it please check your spam "
        "folder. Otherwise contact us if you do not receive it in a few minutes."
    ),
)

DJANGO_PASSWORD_RULES = (
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        1,
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        1,
    ),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
)
