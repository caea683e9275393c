"""Who a single sign-on login is, decided from the identity provider's claims.

Pure functions: the SocialAccountAdapter feeds them the claims allauth verified, the app's
settings (built by accounts.sso_config) and the organisations IT mapped to the claims'
identifiers (accounts.selectors.organisations_by_sso_identifier), and stores what they return.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.roles import ROLE_GROUPS
from accounts.sso_config import ENTRA, SURFCONEXT

# SURF's documentation has used both spellings over the years; take whichever arrives.
EDUPERSON_AFFILIATION_CLAIMS = ("eduperson_affiliation", "edu_person_affiliations")


class SsoRefused(Exception):
    """The identity provider vouched for someone who may not use this service."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class OrganisationGrant:
    """An organisation an SSO identifier maps to, and the affiliation it grants."""

    organisation_id: int
    affiliation: str


@dataclass(frozen=True)
class SsoIdentity:
    affiliation: str
    organisation_id: int
    sso_affiliations: list[str]
    # Role group name -> member or not; only the roles the deployment maps from a claim.
    roles: dict[str, bool]


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value]


def claims_of(provider_id: str, extra_data: dict) -> dict:
    """The claims allauth stored for this login: userinfo for SURFconext, ID token for Entra."""
    userinfo = extra_data.get("userinfo") or {}
    id_token = extra_data.get("id_token") or {}
    if provider_id == SURFCONEXT:
        return {**id_token, **userinfo}
    return dict(id_token)


def sso_identifiers(provider_id: str, claims: dict) -> list[str]:
    """The keys of `SsoIdentifier` the claims name: the SURFconext home organisation(s) as
    `schac:<domain>`, the Entra tenant as `entra:<tenant id>`; lower case, sorted."""
    if provider_id == SURFCONEXT:
        values = [f"schac:{o.strip()}" for o in _as_list(claims.get("schac_home_organization"))]
    elif provider_id == ENTRA:
        values = [f"entra:{str(claims.get('tid') or '').strip()}"]
    else:
        return []
    return sorted({v.lower() for v in values if not v.endswith(":")})


def _mapped(identifiers: list[str], organisations: Mapping[str, OrganisationGrant]):
    for identifier in identifiers:
        if identifier in organisations:
            return organisations[identifier]
    return None


def _surfconext_affiliations(claims: dict) -> list[str]:
    values: set[str] = set()
    for claim in EDUPERSON_AFFILIATION_CLAIMS:
        values.update(v.strip().lower() for v in _as_list(claims.get(claim)))
    values.discard("")
    return sorted(values)


def _check_entra_tenant(app_settings: dict, claims: dict) -> None:
    tenant = str(claims.get("tid", "")).lower()
    if not tenant or tenant != app_settings["tenant_id"].lower():
        raise SsoRefused(_("Your organisation's account does not have access to this service."))


def _roles(app_settings: dict, claims: dict) -> dict[str, bool]:
    claim = app_settings.get("groups_claim")
    if not claim:
        return {}
    held = set(_as_list(claims.get(claim)))
    return {
        group: bool(held & set(values))
        for group, values in app_settings.get("role_values", {}).items()
        if group in ROLE_GROUPS and values
    }


def identity_from_claims(
    provider_id: str,
    app_settings: dict,
    claims: dict,
    organisations: Mapping[str, OrganisationGrant],
) -> SsoIdentity:
    """Raise SsoRefused, or return the organisation, affiliation and roles the claims
    entitle to. `organisations` maps SSO identifiers (see `sso_identifiers`) to the
    organisations IT configured; an identifier not in it is refused."""
    if provider_id == SURFCONEXT:
        grant = _mapped(sso_identifiers(provider_id, claims), organisations)
        if grant is None:
            raise SsoRefused(_("Your institution does not have access to this service."))
        sso_affiliations = _surfconext_affiliations(claims)
    elif provider_id == ENTRA:
        _check_entra_tenant(app_settings, claims)
        grant = _mapped(sso_identifiers(provider_id, claims), organisations)
        if grant is None:
            raise SsoRefused(_("Your organisation's account does not have access to this service."))
        sso_affiliations = []
    else:
        raise SsoRefused(_("This sign-in method is not accepted."))
    return SsoIdentity(
        affiliation=grant.affiliation,
        organisation_id=grant.organisation_id,
        sso_affiliations=sso_affiliations,
        roles=_roles(app_settings, claims),
    )
