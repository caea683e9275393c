"""allauth's password pages, refused to SSO accounts.

An SSO account signs in only through its organisation, so that ending the person's account
there ends their access here. A password of their own (set, changed or reset) would outlive
it; these pages explain that instead. Mounted before allauth's own URLs (config/urls.py).
"""

from allauth.account.views import PasswordChangeView, PasswordResetFromKeyView, PasswordSetView
from django.shortcuts import render
from django.urls import path, re_path

from accounts.selectors import is_sso_account


def _refuse(request):
    return render(request, "account/password_sso.html", status=403)


class SsoPasswordChangeView(PasswordChangeView):
    def dispatch(self, request, *args, **kwargs):
        if is_sso_account(request.user):
            return _refuse(request)
        return super().dispatch(request, *args, **kwargs)


class SsoPasswordSetView(PasswordSetView):
    def dispatch(self, request, *args, **kwargs):
        if is_sso_account(request.user):
            return _refuse(request)
        return super().dispatch(request, *args, **kwargs)


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


urlpatterns = [
    path("password/change/", SsoPasswordChangeView.as_view()),
    path("password/set/", SsoPasswordSetView.as_view()),
    # allauth's own pattern: the key itself contains "-".
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        SsoPasswordResetFromKeyView.as_view(),
    ),
]
