"""Sign-in with SURFconext and Entra ID, end to end over HTTP against a real OIDC provider."""

from urllib.parse import parse_qs, urlsplit

from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import Group

from accounts.models import User
from tests.oidc.conftest import FACILITY_VALUE, ORGANISER_GROUP, OTHER_TENANT, TENANT


def student_claims(**overrides):
    return {
        "name": "Sanne de Vries",
        "email": "sanne.devries@student.hu.nl",
        "email_verified": True,
        "schac_home_organization": "hu.nl",
        "eduperson_affiliation": ["student", "member"],
        **overrides,
    }


def municipal_claims(**overrides):
    return {
        "oid": "9d4f6c2e-0000-4000-8000-00000000a001",
        "tid": TENANT,
        "name": "Ingrid Jansen",
        "preferred_username": "i.jansen@hilversum.nl",
        "email": "i.jansen@hilversum.nl",
        **overrides,
    }


def test_surfconext_first_login_creates_hu_user_with_eduperson_affiliation(sso):
    response = sso.sign_in("surfconext", "surf-sanne", student_claims())

    user = User.objects.get()
    assert response.status_code == 200
    assert response.url == sso.site + "/"
    assert (user.email, user.name, user.affiliation) == (
        "sanne.devries@student.hu.nl",
        "Sanne de Vries",
        "hu",
    )
    assert user.sso_affiliations == ["member", "student"]
    assert SocialAccount.objects.get(user=user).uid == "surf-sanne"
    assert sso.me().json()["affiliation"] == "hu"
