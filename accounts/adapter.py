import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base import AuthError, AuthProcess
from django.conf import settings
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts import services
from accounts.client_ip import client_ip
from accounts.mail import owe_account_mail
from accounts.models import Affiliation
from accounts.selectors import is_sso_account, organisations_by_sso_identifier
from accounts.sso import (
    SsoIdentity,
    SsoRefused,
    claims_of,
    identity_from_claims,
    sso_identifiers,
)

# Refused and failed SSO logins, for the IT administrators (no names or addresses logged).
security_log = logging.getLogger("accounts.sso")


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        return client_ip(request)

    def post_login(self, request, user, *, signal_kwargs=None, **kwargs):
        if signal_kwargs and signal_kwargs.get("sociallogin") is not None:
            # The organisation decides who may sign in; a session must not outlive that
            # decision by weeks (SESSION_COOKIE_AGE). Counted from the session's last write.
            request.session.set_expiry(settings.SSO_SESSION_HOURS * 3600)
        return super().post_login(request, user, signal_kwargs=signal_kwargs, **kwargs)

    def send_password_reset_mail(self, user, email, context):
        if is_sso_account(user):
            # No password to reset: tell the person how they sign in instead. The page says
            # "mail sent" either way, so it reveals nothing about the address.
            self.send_mail("account/email/password_reset_sso", email, {"user": user})
            return
        super().send_password_reset_mail(user, email, context)

    def save_user(self, request, user, form, commit=True):
        # A local sign-up is a member of the public until staff record a partner organisation.
        # (A social sign-up that needed the form passes here too; SocialAccountAdapter puts
        # the SSO affiliation back right after.)
        user.affiliation = Affiliation.PUBLIC
        # Unverified until the link in the confirmation mail is followed
        # (accounts.receivers); an SSO sign-up is verified again by apply_sso_identity.
        user.email_verified = False
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix, email, context):
        # Owed in the request's transaction, rendered and sent by the outbox worker.
        owe_account_mail(template_prefix=template_prefix, email=email, context=context)


def _refuse(request, message, status=403):
    response = render(request, "socialaccount/refused.html", {"message": message}, status=status)
    raise ImmediateHttpResponse(response)


def _identity(sociallogin) -> SsoIdentity:
    provider = sociallogin.account.get_provider()
    provider_id = provider.app.provider_id
    claims = claims_of(provider_id, sociallogin.account.extra_data)
    organisations = organisations_by_sso_identifier(sso_identifiers(provider_id, claims))
    return identity_from_claims(provider_id, provider.app.settings, claims, organisations)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Organisation, affiliation and roles of SSO users come from the identity provider
    (through IT's mapping of its identifiers to organisations), at every login.

    allauth calls `populate_user` while building every social login (the user object is new
    and unsaved), then `pre_social_login` once it knows whether the account exists. The
    admission check lives in `pre_social_login`, so nobody refused gets a user row.
    """

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.name = (data.get("name") or "").strip()[:150]
        try:
            identity = _identity(sociallogin)
        except SsoRefused:
            return user  # refused in pre_social_login, before anything is saved
        user.affiliation = identity.affiliation
        user.organisation_id = identity.organisation_id
        user.sso_affiliations = identity.sso_affiliations
        return user

    def pre_social_login(self, request, sociallogin):
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            # One way in per account: a local account does not become `hu` by attaching SSO.
            _refuse(request, _("Signing in with an organisation account creates its own account."))
        try:
            identity = _identity(sociallogin)
        except SsoRefused as refusal:
            security_log.warning(
                "SSO login refused: provider=%s uid=%s reason=%s",
                sociallogin.account.provider,
                sociallogin.account.uid,
                refusal.message,
            )
            _refuse(request, refusal.message)
        if sociallogin.is_existing:
            services.apply_sso_identity(user=sociallogin.user, identity=identity)
        else:
            # A first sign-in: someone may have signed up locally with this person's address
            # and never confirmed it, which would otherwise keep them out.
            services.release_unconfirmed_address(email=sociallogin.user.email)

    def save_user(self, request, sociallogin, form=None):
        try:
            # One transaction: a user row never stays behind without its SSO account.
            with transaction.atomic():
                user = super().save_user(request, sociallogin, form=form)
                # Also undoes AccountAdapter.save_user's `public` when the form was needed.
                return services.apply_sso_identity(user=user, identity=_identity(sociallogin))
        except IntegrityError:
            # The same person's first sign-in arrived twice at once (a double click, two
            # tabs): the unique constraints let one through; this one just tries again.
            _refuse(request, _("You were already being signed in. Please try again."), 409)

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        if error == AuthError.CANCELLED:
            return
        security_log.warning(
            "SSO login failed: provider=%s error=%s exception=%r",
            getattr(provider, "sub_id", provider),
            error,
            exception,
        )
        # A bad or expired ID token, a failed code exchange or a lost state: a clear 400
        # page in our layout instead of allauth's 200.
        _refuse(request, _("Signing in with your organisation did not succeed."), status=400)
