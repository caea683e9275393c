"""The two single sign-on apps, as django-allauth `openid_connect` app configurations.

Pure functions without Django imports: config/settings.py builds the apps from the
environment with them, and the end-to-end tests build the same apps against their own
test identity provider. Everything the SocialAccountAdapter needs to decide who gets in
(tenant, role mapping) travels in the app's `settings`; which institutions and tenants
are admitted, and as which organisation, is IT's `SsoIdentifier` table (docs/sso.md).
"""

SURFCONEXT = "surfconext"
ENTRA = "entra"
ENTRA_AUTHORITY = "https://login.microsoftonline.com"


def _roles(groups_claim: str, role_values: dict[str, list[str]] | None) -> dict:
    return {"groups_claim": groups_claim, "role_values": role_values or {}}


def surfconext_app(
    *,
    client_id: str,
    secret: str,
    server_url: str,
    groups_claim: str = "",
    role_values: dict[str, list[str]] | None = None,
) -> dict:
    """Students and staff of HU and partner schools through SURFconext: the attributes
    come from userinfo."""
    return {
        "provider_id": SURFCONEXT,
        "name": "SURFconext",
        "client_id": client_id,
        "secret": secret,
        "settings": {
            "server_url": server_url,
            "fetch_userinfo": True,
            "oauth_pkce_enabled": True,
            # SURFconext releases the eduPerson attributes by the attribute release policy
            # registered for the service; the scopes ask only for name and email on top.
            "scope": ["openid", "profile", "email"],
            **_roles(groups_claim, role_values),
        },
    }


def entra_app(
    *,
    client_id: str,
    secret: str,
    tenant_id: str,
    authority: str = ENTRA_AUTHORITY,
    groups_claim: str = "",
    role_values: dict[str, list[str]] | None = None,
) -> dict:
    """Municipal staff through the municipality's own Entra ID tenant (not `common`)."""
    return {
        "provider_id": ENTRA,
        "name": "Gemeente Hilversum",
        "client_id": client_id,
        "secret": secret,
        "settings": {
            "server_url": f"{authority.rstrip('/')}/{tenant_id}/v2.0",
            "fetch_userinfo": False,
            # `oid` is the person's immutable id in the tenant; `sub` differs per app and
            # `email`/`preferred_username` can be edited by tenant admins or reassigned.
            "uid_field": "oid",
            "oauth_pkce_enabled": True,
            "scope": ["openid", "profile", "email"],
            "tenant_id": tenant_id,
            **_roles(groups_claim, role_values),
        },
    }


def openid_connect_settings(apps: list[dict]) -> dict:
    """SOCIALACCOUNT_PROVIDERS["openid_connect"] for the given apps."""
    return {
        "provider_class": "accounts.oidc.StrictOpenIDConnectProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": apps,
    }


def origin_of(url: str) -> str:
    """`https://host[:port]` of a URL, for the CSP form-action list."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
