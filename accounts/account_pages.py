"""allauth's account pages, with what SSO accounts may not do there.

An SSO account signs in only through its organisation, so that ending the person's account
there ends their access here. A password of their own (set, changed or reset) would outlive
it; the password pages explain that instead. Its main address is the one the organisation
gave, or one it confirmed: an unconfirmed address may be someone else's. Mounted before
allauth's own URLs (config/urls.py).
"""

from allauth.account.views import (
    EmailView,
    PasswordChangeView,
    PasswordResetFromKeyView,
    PasswordSetView,
)
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, re_path
from django.utils.translation import gettext as _

from accounts.selectors import is_sso_account


def _refuse(request):
    return render(request, "account/password_sso.html", status=403)


class NotForSsoAccounts:
    def dispatch(self, request, *args, **kwargs):
        if is_sso_account(request.user):
            return _refuse(request)
        return super().dispatch(request, *args, **kwargs)


class SsoPasswordChangeView(NotForSsoAccounts, PasswordChangeView):
    pass


class SsoPasswordSetView(NotForSsoAccounts, PasswordSetView):
    pass


class SsoPasswordResetFromKeyView(PasswordResetFromKeyView):
    # allauth's dispatch checks the key and finds the account before calling these.
    def get(self, request, *args, **kwargs):
        if is_sso_account(self.reset_user):
            return _refuse(request)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if is_sso_account(self.reset_user):
            return _refuse(request)
        return super().post(request, *args, **kwargs)


class SsoEmailView(EmailView):
    def _action_primary(self, request, *args, **kwargs):
        address = self._get_email_address(request)
        if address is not None and not address.verified and is_sso_account(request.user):
            # allauth allows it while no address of the account is verified, which is the
            # case for Entra accounts (no email_verified claim).
            messages.error(
                request,
                _("Confirm this address first, with the link we mailed to it."),
            )
            return HttpResponseRedirect(self.get_success_url())
        return super()._action_primary(request, *args, **kwargs)


urlpatterns = [
    path("email/", login_required(SsoEmailView.as_view())),
    path("password/change/", SsoPasswordChangeView.as_view()),
    path("password/set/", SsoPasswordSetView.as_view()),
    # allauth's own pattern: the key itself contains "-".
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        SsoPasswordResetFromKeyView.as_view(),
    ),
]
