"""allauth's OpenID Connect login and callback views, with two things made strict.

1. The ID token's signature is always checked against the provider's JWKS. allauth skips
   it when the token came straight from the token endpoint, which OpenID Connect Core
   3.1.3.7 allows over TLS; but Entra's tenant (`tid`) and person (`oid`) come only from
   that token, so it is verified like any other credential.
2. The redirect URI is the same for every page language (`/accounts/oidc/<id>/login/
   callback/`), so the identity provider needs exactly one registered per app.

allauth builds the login redirect with the provider's adapter class and the callback with
the view's, so both are replaced: the provider through SOCIALACCOUNT_PROVIDERS'
`provider_class`, the views by mounting these in config/urls.py before allauth's own URLs,
on the same paths.
"""

from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.http import Http404
from django.urls import path
from django.utils import translation


class StrictOpenIDConnectAdapter(OpenIDConnectOAuth2Adapter):
    def _decode_id_token(self, app, id_token: str) -> dict:
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )

    def get_callback_url(self, request, app):
        with translation.override(settings.LANGUAGE_CODE):
            return super().get_callback_url(request, app)


class StrictOpenIDConnectProvider(OpenIDConnectProvider):
    oauth2_adapter_class = StrictOpenIDConnectAdapter
    # allauth finds a provider's URLs (and their names) through its package.
    package = "allauth.socialaccount.providers.openid_connect"

    def serialize(self):
        # allauth stores a pending social sign-up as {"id": "openid_connect", client id} and
        # finds the app again by that pair; with two OIDC apps the provider id (surfconext,
        # entra) says which one, even if two registrations were to share a client id.
        return {**super().serialize(), "id": self.sub_id}

    def extract_uid(self, data):
        try:
            return super().extract_uid(data)
        except KeyError as missing:
            # Without its stable id (Entra's `oid`) nobody can be recognised: refuse the login
            # (allauth shows its error page) instead of failing with a server error.
            raise OAuth2Error(f"the identity provider sent no {missing} claim") from missing


def strict_view(view_class):
    """allauth's `view_class` with the strict adapter; an unknown provider is a 404."""

    def view(request, provider_id):
        try:
            adapter = StrictOpenIDConnectAdapter(request, provider_id)
            return view_class.adapter_view(adapter)(request)
        except SocialApp.DoesNotExist as missing:
            raise Http404 from missing

    return view


urlpatterns = [
    path("<str:provider_id>/login/", strict_view(OAuth2LoginView)),
    path("<str:provider_id>/login/callback/", strict_view(OAuth2CallbackView)),
]
