"""Sign-in with SURFconext and Entra ID, end to end over HTTP against a real OIDC provider."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from accounts.models import Affiliation, Organisation, OrganisationKind, SsoIdentifier, User
from accounts.selectors import email_is_verified
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
    assert user.organisation.slug == "hu"
    me = sso.me().json()
    assert (me["affiliation"], me["organisation"]) == (
        "hu",
        {"slug": "hu", "name": "Hogeschool Utrecht"},
    )


def mbo_college():
    mbo = Organisation.objects.create(
        name="MBO College Hilversum",
        slug="mbo-college-hilversum",
        kind=OrganisationKind.EDUCATION_PARTNER,
        affiliation=Affiliation.PARTNER,
    )
    SsoIdentifier.objects.create(identifier="schac:mbocollegehilversum.nl", organisation=mbo)
    return mbo


def test_surfconext_mbo_student_gets_their_school_and_partner(sso):
    mbo = mbo_college()
    claims = student_claims(
        email="lisa@student.mbocollegehilversum.nl",
        schac_home_organization="MBOCollegeHilversum.nl",
    )

    response = sso.sign_in("surfconext", "surf-lisa", claims)

    user = User.objects.get()
    assert response.status_code == 200
    assert (user.organisation, user.affiliation) == (mbo, "partner")
    me = sso.me().json()
    assert (me["affiliation"], me["organisation"]) == (
        "partner",
        {"slug": "mbo-college-hilversum", "name": "MBO College Hilversum"},
    )


def test_surfconext_institution_mapped_by_it_later_gets_in_without_a_deploy(sso):
    claims = student_claims(schac_home_organization="mbocollegehilversum.nl")
    refused = sso.sign_in("surfconext", "surf-early", claims)
    mbo_college()

    admitted = type(sso)(sso.site, sso.providers).sign_in("surfconext", "surf-early", claims)

    assert (refused.status_code, admitted.status_code) == (403, 200)
    assert User.objects.get().organisation.slug == "mbo-college-hilversum"


def test_surfconext_student_who_changes_school_changes_organisation_at_next_login(sso):
    mbo = mbo_college()
    sso.sign_in("surfconext", "surf-mover", student_claims())
    again = type(sso)(sso.site, sso.providers)

    again.sign_in(
        "surfconext", "surf-mover", student_claims(schac_home_organization="mbocollegehilversum.nl")
    )

    assert (User.objects.get().organisation, User.objects.get().affiliation) == (mbo, "partner")


def test_surfconext_returning_login_resyncs_affiliation(sso):
    sso.sign_in("surfconext", "surf-karim", student_claims())
    User.objects.update(affiliation="public", sso_affiliations=[])
    again = type(sso)(sso.site, sso.providers)

    response = again.sign_in(
        "surfconext", "surf-karim", student_claims(eduperson_affiliation=["employee", "faculty"])
    )

    user = User.objects.get()
    assert response.status_code == 200
    assert (user.affiliation, user.sso_affiliations) == ("hu", ["employee", "faculty"])
    assert SocialAccount.objects.count() == 1


def test_surfconext_accepts_older_claim_spelling(sso):
    claims = student_claims(edu_person_affiliations=["employee"])
    del claims["eduperson_affiliation"]

    response = sso.sign_in("surfconext", "surf-old", claims)

    assert response.status_code == 200
    assert User.objects.get().sso_affiliations == ["employee"]


def test_surfconext_other_home_organisation_is_403_and_no_user(sso):
    response = sso.sign_in(
        "surfconext", "surf-uva", student_claims(schac_home_organization="uva.nl")
    )

    with translation.override("nl"):  # the page speaks the default language, Dutch
        refusal = gettext("Your institution does not have access to this service.")

    assert response.status_code == 403
    assert refusal in response.text
    assert refusal != "Your institution does not have access to this service."
    assert not User.objects.exists()
    assert not SocialAccount.objects.exists()
    assert sso.me().status_code == 401


def test_surfconext_missing_home_organisation_is_403(sso):
    claims = student_claims()
    del claims["schac_home_organization"]

    response = sso.sign_in("surfconext", "surf-none", claims)

    assert response.status_code == 403
    assert not User.objects.exists()


def test_entra_login_right_tenant_gets_municipality(sso):
    response = sso.sign_in("entra", "entra-sub-1", municipal_claims())

    user = User.objects.get()
    account = SocialAccount.objects.get(user=user)
    assert response.status_code == 200
    assert (user.email, user.name, user.affiliation) == (
        "i.jansen@hilversum.nl",
        "Ingrid Jansen",
        "municipality",
    )
    # The stable id is `oid`, not the per-app `sub`.
    assert (account.provider, account.uid) == ("entra", "9d4f6c2e-0000-4000-8000-00000000a001")
    # No confirmation mail for SSO: the tenant vouches for the person, so bookings are open.
    assert email_is_verified(user)
    assert user.organisation.slug == "gemeente-hilversum"
    me = sso.me().json()
    assert (me["affiliation"], me["organisation"]) == (
        "municipality",
        {"slug": "gemeente-hilversum", "name": "Gemeente Hilversum"},
    )


def test_entra_tenant_of_the_app_without_mapping_is_refused(sso):
    SsoIdentifier.objects.filter(identifier__startswith="entra:").delete()

    response = sso.sign_in("entra", "entra-sub-3", municipal_claims())

    with translation.override("nl"):
        refusal = gettext("Your organisation's account does not have access to this service.")
    assert response.status_code == 403
    assert escape(refusal) in response.text
    assert not User.objects.exists()


def test_entra_wrong_tenant_is_403_and_no_user(sso, caplog):
    response = sso.sign_in("entra", "entra-sub-2", municipal_claims(tid=OTHER_TENANT))

    assert response.status_code == 403
    assert "SSO login refused: provider=entra uid=9d4f6c2e-0000-4000-8000-00000000a001" in (
        caplog.text
    )
    assert not User.objects.exists()
    assert sso.me().status_code == 401


def test_entra_email_of_local_account_is_not_linked(sso):
    local = User.objects.create_user("i.jansen@hilversum.nl", "a-long-local-password")

    response = sso.sign_in("entra", "entra-sub-3", municipal_claims())

    local.refresh_from_db()
    # allauth neither links nor reveals the existing account: it answers as if it had sent a
    # confirmation mail (and mails the address's owner instead).
    assert response.status_code == 200
    assert response.url == sso.site + "/accounts/confirm-email/"
    assert list(User.objects.all()) == [local]
    assert not SocialAccount.objects.exists()
    assert local.affiliation == "public"
    assert sso.me().status_code == 401


def test_entra_group_claim_maps_event_organiser_role_and_removes_it(sso):
    sso.sign_in("entra", "entra-sub-4", municipal_claims(groups=[ORGANISER_GROUP, "other"]))
    user = User.objects.get()
    organisers = Group.objects.get(name="event_organisers")
    was_member = organisers.user_set.filter(pk=user.pk).exists()

    again = type(sso)(sso.site, sso.providers)
    again.sign_in("entra", "entra-sub-4", municipal_claims(groups=["other"]))

    assert was_member is True
    assert not organisers.user_set.filter(pk=user.pk).exists()


def test_surfconext_entitlement_maps_facility_manager_role(sso):
    sso.sign_in("surfconext", "surf-fm", student_claims(eduperson_entitlement=[FACILITY_VALUE]))

    user = User.objects.get()
    assert list(user.groups.values_list("name", flat=True)) == ["facility_managers"]


def test_pkce_challenge_is_sent_and_required_by_provider(sso):
    redirect = sso.start("surfconext")
    query = parse_qs(urlsplit(redirect.headers["Location"]).query)
    sso.session.get(redirect.headers["Location"], timeout=10)
    received = sso.providers["surfconext"].last_authorization()
    without_pkce = {k: v[0] for k, v in query.items() if not k.startswith("code_challenge")}
    refused = sso.session.get(
        redirect.headers["Location"].split("?")[0],
        params=without_pkce,
        allow_redirects=False,
        timeout=10,
    )

    assert query["code_challenge_method"] == ["S256"]
    assert received["code_challenge"] == query["code_challenge"][0]
    assert len(received["code_challenge"]) == 43
    # Control: the provider really does refuse an authorization request without PKCE.
    assert refused.status_code == 303
    assert "requires+PKCE" in refused.headers["Location"]


def test_tampered_id_token_is_refused(sso):
    response = sso.sign_in("entra", "entra-sub-5", municipal_claims(), id_token="tampered")

    assert response.status_code == 400
    assert not User.objects.exists()
    assert sso.me().status_code == 401


def test_expired_id_token_is_refused(sso):
    response = sso.sign_in("surfconext", "surf-late", student_claims(), id_token="expired")

    assert response.status_code == 400
    assert not User.objects.exists()
    assert sso.me().status_code == 401


def test_valid_token_control_for_refusals(sso):
    # The same flow with an untouched token succeeds, so the two refusals above are caused
    # by the token and nothing else.
    response = sso.sign_in("entra", "entra-sub-5", municipal_claims(), id_token="valid")

    assert response.status_code == 200
    assert User.objects.get().affiliation == "municipality"


def test_login_page_shows_both_sso_buttons_when_configured(sso):
    html = sso.session.get(f"{sso.site}/en/accounts/login/?next=/en/my/", timeout=10).text

    assert (
        'action="/en/accounts/oidc/surfconext/login/?process=login&amp;next=%2Fen%2Fmy%2F"' in html
    )
    assert 'action="/en/accounts/oidc/entra/login/?process=login&amp;next=%2Fen%2Fmy%2F"' in html
    assert "HU student or staff (SURFconext)" in html
    assert "Gemeente Hilversum employee" in html


def test_english_login_uses_the_same_redirect_uri(sso):
    sso.session.get(f"{sso.site}/en/accounts/login/", timeout=10)
    redirect = sso.session.post(
        f"{sso.site}/en/accounts/oidc/surfconext/login/",
        data={"csrfmiddlewaretoken": sso.session.cookies.get("csrftoken", domain="127.0.0.1")},
        allow_redirects=False,
        timeout=10,
    )

    query = parse_qs(urlsplit(redirect.headers["Location"]).query)
    assert query["redirect_uri"] == [f"{sso.site}/accounts/oidc/surfconext/login/callback/"]
    assert set(query["scope"][0].split()) == {"openid", "profile", "email"}


def test_erased_sso_user_signing_in_again_gets_a_new_empty_account(sso):
    sso.sign_in("surfconext", "surf-gone", student_claims())
    erased = User.objects.get()
    page = sso.session.get(f"{sso.site}/en/my/erase/", timeout=10)
    sso.session.post(
        f"{sso.site}/en/my/erase/",
        data={
            "confirm": "on",
            "csrfmiddlewaretoken": sso.session.cookies.get("csrftoken", domain="127.0.0.1"),
        },
        timeout=10,
    )
    signed_out = sso.me().status_code

    again = type(sso)(sso.site, sso.providers)
    again.sign_in("surfconext", "surf-gone", student_claims())

    erased.refresh_from_db()
    fresh = User.objects.exclude(pk=erased.pk).get()
    assert page.status_code == 200
    assert signed_out == 401
    assert (erased.email, erased.is_active) == (f"erased-{erased.pk}@erased.invalid", False)
    assert (fresh.email, fresh.affiliation) == ("sanne.devries@student.hu.nl", "hu")
    assert SocialAccount.objects.get().user == fresh


def test_entra_token_without_oid_is_refused(sso):
    claims = municipal_claims()
    del claims["oid"]

    response = sso.sign_in("entra", "entra-sub-6", claims)

    assert response.status_code == 400
    assert not User.objects.exists()


def test_local_account_cannot_attach_sso_to_become_hu(sso):
    local = User.objects.create_user("partner@example.org", "a-long-local-password")
    EmailAddress.objects.create(user=local, email=local.email, verified=True, primary=True)
    sso.session.get(f"{sso.site}/accounts/login/", timeout=10)
    csrf = sso.session.cookies.get("csrftoken", domain="127.0.0.1")
    sso.session.post(
        f"{sso.site}/accounts/login/",
        data={
            "login": local.email,
            "password": "a-long-local-password",
            "csrfmiddlewaretoken": csrf,
        },
        timeout=10,
    )
    signed_in_as_local = sso.me().json()["email"]
    redirect = sso.session.post(
        f"{sso.site}/accounts/oidc/surfconext/login/?process=connect",
        data={"csrfmiddlewaretoken": sso.session.cookies.get("csrftoken", domain="127.0.0.1")},
        allow_redirects=False,
        timeout=10,
    )
    interaction = sso.session.get(redirect.headers["Location"], timeout=10)

    response = sso.session.post(
        interaction.url + "/login",
        data={"account": "surf-attach", "claims": json.dumps(student_claims())},
        timeout=30,
    )

    local.refresh_from_db()
    assert signed_in_as_local == "partner@example.org"
    assert response.status_code == 403
    assert local.affiliation == "public"
    assert not SocialAccount.objects.exists()


def _until_callback(browser, provider_id, account, claims) -> str:
    """Run a sign-in up to the point where the provider sends the browser back to Django."""
    redirect = browser.start(provider_id)
    interaction = browser.session.get(redirect.headers["Location"], timeout=10)
    response = browser.session.post(
        interaction.url + "/login",
        data={"account": account, "claims": json.dumps(claims)},
        allow_redirects=False,
        timeout=10,
    )
    while not response.headers["Location"].startswith(browser.site):
        response = browser.session.get(
            response.headers["Location"], allow_redirects=False, timeout=10
        )
    return response.headers["Location"]


def test_concurrent_first_logins_of_one_person_make_one_account(sso):
    browsers = [type(sso)(sso.site, sso.providers) for _ in range(4)]
    callbacks = [_until_callback(b, "entra", "entra-twice", municipal_claims()) for b in browsers]
    barrier = threading.Barrier(len(browsers))

    def finish(pair):
        browser, url = pair
        barrier.wait()
        return browser.session.get(url, timeout=30)

    with ThreadPoolExecutor(len(browsers)) as pool:
        responses = list(pool.map(finish, zip(browsers, callbacks, strict=True)))

    # The losers of the race see "try again" (409) or, when the winner's email row was
    # already committed, allauth's neutral "check your mail" page; never a server error.
    statuses = {r.status_code for r in responses}
    assert User.objects.count() == 1
    assert SocialAccount.objects.count() == 1
    assert statuses <= {200, 409}
    assert any(r.url == sso.site + "/" for r in responses)


def test_surfconext_without_email_asks_for_it_and_keeps_hu_affiliation(sso):
    claims = student_claims()
    del claims["email"]
    form_page = sso.sign_in("surfconext", "surf-no-mail", claims)

    response = sso.session.post(
        form_page.url,
        data={
            "email": "sanne@example.org",
            "name": "Sanne",
            "csrfmiddlewaretoken": sso.session.cookies.get("csrftoken", domain="127.0.0.1"),
        },
        timeout=10,
    )

    user = User.objects.get()
    assert form_page.url == sso.site + "/accounts/3rdparty/signup/"
    assert '<label for="id_email"' in form_page.text
    assert "affiliation" not in form_page.text
    assert response.status_code == 200
    # The sign-up form passes through the local-account adapter (which says `public`);
    # the SSO identity is applied after it.
    assert (user.email, user.affiliation, user.sso_affiliations) == (
        "sanne@example.org",
        "hu",
        ["member", "student"],
    )


def test_sso_session_ends_after_sso_session_hours(sso, settings):
    settings.SSO_SESSION_HOURS = 10
    before = timezone.now()

    sso.sign_in("surfconext", "surf-hours", student_claims())

    session = Session.objects.get()
    cookie = next(c for c in sso.session.cookies if c.name == "sessionid")
    assert sso.me().status_code == 200
    assert (
        timedelta(hours=9, minutes=59)
        < session.expire_date - before
        < timedelta(hours=10, minutes=1)
    )
    assert 9.9 * 3600 < cookie.expires - before.timestamp() < 10.1 * 3600


def test_local_session_keeps_cookie_age_control(client, settings, transactional_db):
    # Control: a password sign-in gets Django's SESSION_COOKIE_AGE (two weeks), not the SSO bound.
    user = User.objects.create_user("partner@example.org", "a-long-local-password")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    client.post("/en/accounts/login/", {"login": user.email, "password": "a-long-local-password"})

    session = Session.objects.get()
    assert session.expire_date - timezone.now() > timedelta(days=13)


def test_sso_sign_in_takes_away_an_old_password(sso):
    user = User.objects.create_user("sanne.devries@student.hu.nl", "set-before-the-rule-1")
    SocialAccount.objects.create(user=user, provider="surfconext", uid="surf-old-password")

    sso.sign_in("surfconext", "surf-old-password", student_claims())

    user.refresh_from_db()
    assert sso.me().status_code == 200
    assert not user.has_usable_password()


def unconfirmed_sign_up(email):
    user = User.objects.create_user(email, "a-long-local-password")
    EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    return user


def test_first_sso_sign_in_takes_over_an_unconfirmed_empty_local_account(sso):
    squatter = unconfirmed_sign_up("I.Jansen@hilversum.nl")

    response = sso.sign_in("entra", "entra-sub-takeover", municipal_claims())

    user = User.objects.get()
    assert response.status_code == 200
    assert response.url == sso.site + "/"
    assert user.pk != squatter.pk
    assert (user.email, user.affiliation) == ("i.jansen@hilversum.nl", "municipality")
    assert SocialAccount.objects.get().user == user
    assert sso.me().status_code == 200


def test_unconfirmed_local_account_that_holds_a_booking_is_not_taken_over(sso):
    # Control: something of the local account's own would be lost, so it stays.
    from booking.services import create_booking
    from tests.booking.conftest import at, next_monday
    from tests.booking.factories import RoomFactory

    squatter = unconfirmed_sign_up("i.jansen@hilversum.nl")
    day = next_monday()
    create_booking(
        user=squatter,
        room=RoomFactory(),
        start=at(day, "10:00"),
        end=at(day, "11:00"),
        title="",
        on_behalf=True,
    )

    response = sso.sign_in("entra", "entra-sub-kept", municipal_claims())

    assert response.url == sso.site + "/accounts/confirm-email/"
    assert list(User.objects.all()) == [squatter]
    assert not SocialAccount.objects.exists()
