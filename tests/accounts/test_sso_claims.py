"""The pure decision from claims to affiliation and roles (accounts/sso.py)."""

import pytest

from accounts import sso
from accounts.sso import OrganisationGrant, SsoRefused, claims_of, sso_identifiers
from accounts.sso_config import entra_app, surfconext_app

SURF = surfconext_app(
    client_id="c",
    secret="s",
    server_url="https://connect.surfconext.nl",
    groups_claim="eduperson_entitlement",
    role_values={"facility_managers": ["urn:fm"], "event_organisers": []},
)["settings"]
ENTRA = entra_app(client_id="c", secret="s", tenant_id="ABC-123")["settings"]
HU = OrganisationGrant(organisation_id=1, affiliation="hu")
MBO = OrganisationGrant(organisation_id=3, affiliation="partner")
MUNICIPALITY = OrganisationGrant(organisation_id=2, affiliation="municipality")
MAPPED = {
    "schac:hu.nl": HU,
    "schac:hu-test.nl": HU,
    "schac:mbocollegehilversum.nl": MBO,
    "entra:abc-123": MUNICIPALITY,
}


def identity_from_claims(provider_id, app_settings, claims):
    """As the adapter asks it: with the mapped organisations the claims name."""
    mapped = {k: MAPPED[k] for k in sso_identifiers(provider_id, claims) if k in MAPPED}
    return sso.identity_from_claims(provider_id, app_settings, claims, mapped)


@pytest.mark.parametrize("home", ["hu.nl", "HU.NL", ["other.nl", "hu.nl"], " hu-test.nl"], ids=str)
def test_surfconext_mapped_home_organisation_case_insensitive_and_list_valued(home):
    identity = identity_from_claims("surfconext", SURF, {"schac_home_organization": home})

    assert (identity.organisation_id, identity.affiliation) == (1, "hu")


def test_surfconext_partner_school_gets_its_organisation_and_affiliation():
    claims = {"schac_home_organization": "mbocollegehilversum.nl"}

    identity = identity_from_claims("surfconext", SURF, claims)

    assert (identity.organisation_id, identity.affiliation) == (3, "partner")


@pytest.mark.parametrize("home", ["uva.nl", "", None, [], "hu.nl.evil.example"], ids=str)
def test_surfconext_other_or_missing_home_organisation_refused(home):
    with pytest.raises(SsoRefused):
        identity_from_claims("surfconext", SURF, {"schac_home_organization": home})


def test_sso_identifiers_lower_case_sorted_without_empty_values():
    assert sso_identifiers("surfconext", {"schac_home_organization": ["UU.nl", " ", "hu.nl"]}) == [
        "schac:hu.nl",
        "schac:uu.nl",
    ]
    assert sso_identifiers("entra", {"tid": "ABC-123"}) == ["entra:abc-123"]
    assert sso_identifiers("entra", {}) == []
    assert sso_identifiers("github", {"tid": "x"}) == []


def test_entra_tenant_of_the_app_but_not_mapped_refused():
    with pytest.raises(SsoRefused):
        sso.identity_from_claims("entra", ENTRA, {"tid": "abc-123"}, {})


def test_surfconext_affiliations_merged_from_both_spellings_sorted_unique():
    claims = {
        "schac_home_organization": "hu.nl",
        "eduperson_affiliation": ["Student", "member"],
        "edu_person_affiliations": "member",
    }

    identity = identity_from_claims("surfconext", SURF, claims)

    assert identity.sso_affiliations == ["member", "student"]


def test_roles_only_for_configured_values():
    holder = {"schac_home_organization": "hu.nl", "eduperson_entitlement": ["urn:fm"]}
    other = {"schac_home_organization": "hu.nl", "eduperson_entitlement": "urn:x"}

    assert identity_from_claims("surfconext", SURF, holder).roles == {"facility_managers": True}
    assert identity_from_claims("surfconext", SURF, other).roles == {"facility_managers": False}


def test_without_groups_claim_roles_are_left_alone():
    identity = identity_from_claims("entra", ENTRA, {"tid": "abc-123", "groups": ["x"]})

    assert (identity.organisation_id, identity.affiliation, identity.roles) == (
        2,
        "municipality",
        {},
    )


@pytest.mark.parametrize("tid", ["other", "", None])
def test_entra_other_or_missing_tenant_refused(tid):
    with pytest.raises(SsoRefused):
        identity_from_claims("entra", ENTRA, {"tid": tid})


def test_unknown_provider_refused():
    with pytest.raises(SsoRefused):
        identity_from_claims("github", ENTRA, {"tid": "abc-123"})


def test_claims_of_surfconext_prefer_userinfo_and_entra_use_id_token_only():
    extra = {"userinfo": {"a": "userinfo", "b": 1}, "id_token": {"a": "id_token", "c": 2}}

    assert claims_of("surfconext", extra) == {"a": "userinfo", "b": 1, "c": 2}
    assert claims_of("entra", extra) == {"a": "id_token", "c": 2}
