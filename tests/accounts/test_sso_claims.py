"""The pure decision from claims to affiliation and roles (accounts/sso.py)."""

import pytest

from accounts.sso import SsoRefused, claims_of, identity_from_claims
from accounts.sso_config import entra_app, surfconext_app

SURF = surfconext_app(
    client_id="c",
    secret="s",
    server_url="https://connect.surfconext.nl",
    allowed_home_organizations=["HU.nl", "hu-test.nl"],
    groups_claim="eduperson_entitlement",
    role_values={"facility_managers": ["urn:fm"], "event_organisers": []},
)["settings"]
ENTRA = entra_app(client_id="c", secret="s", tenant_id="ABC-123")["settings"]


@pytest.mark.parametrize("home", ["hu.nl", "HU.NL", ["other.nl", "hu.nl"], "hu-test.nl"], ids=str)
def test_surfconext_allow_list_case_insensitive_and_list_valued(home):
    identity = identity_from_claims("surfconext", SURF, {"schac_home_organization": home})

    assert identity.affiliation == "hu"


@pytest.mark.parametrize("home", ["uva.nl", "", None, [], "hu.nl.evil.example"], ids=str)
def test_surfconext_other_or_missing_home_organisation_refused(home):
    with pytest.raises(SsoRefused):
        identity_from_claims("surfconext", SURF, {"schac_home_organization": home})


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

    assert (identity.affiliation, identity.roles) == ("municipality", {})


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
