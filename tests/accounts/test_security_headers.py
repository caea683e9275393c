"""Security headers: CSP without inline script, no framing, and the production settings."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_SECRET = "a-long-random-production-secret-" + "x7Qp2vL9sR4tW8yZ" * 3


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/en/accounts/login/", "/accounts/signup/"])
def test_pages_send_csp_without_inline_script_and_deny_framing(client, path):
    response = client.get(path)

    csp = directives(response)
    assert response.status_code == 200
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["object-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "accept"),
    [("/api/v1/rooms/", "application/json"), ("/healthz", "*/*"), ("/feeds/events.ics", "*/*")],
)
def test_responses_that_are_not_pages_get_the_strictest_policy(client, path, accept):
    response = client.get(path, HTTP_ACCEPT=accept)

    assert response.status_code == 200
    assert not response["Content-Type"].startswith("text/html")
    assert directives(response) == {"default-src": "'none'", "frame-ancestors": "'none'"}


@pytest.mark.django_db
def test_browsable_api_is_a_page_and_gets_the_page_policy(client):
    response = client.get("/api/v1/rooms/", HTTP_ACCEPT="text/html")

    assert response["Content-Type"].startswith("text/html")
    assert directives(response)["script-src"] == "'self'"


@pytest.mark.django_db
def test_api_docs_page_has_no_inline_script(client):
    page = client.get("/api/docs/")
    script = client.get("/api/docs/?script=")

    html = page.content.decode()
    assert page.status_code == 200
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "/api/docs/?script=" in html
    assert directives(page)["script-src"] == "'self'"
    # Only Swagger UI's own page may carry its small inline <style>.
    assert directives(page)["style-src"] == "'self' 'unsafe-inline'"
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")


def test_templates_have_no_inline_script_handlers_or_styles():
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        if "email" in template.parts:
            continue  # mail clients, not browsers under our CSP, read these
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)|\son[a-z]+=|\sstyle=", text):
            offenders.append(template.name)

    assert offenders == []


def production(script: str, **env) -> dict:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment.update(
        DEBUG="0",
        SECRET_KEY=PROD_SECRET,
        ALLOWED_HOSTS="booking.mediacampus.nl",
        DJANGO_SETTINGS_MODULE="config.settings",
        **env,
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_responses_carry_hsts_and_secure_cookies():
    headers = production(
        "from django.test.utils import setup_test_environment; setup_test_environment();"
        "from django.test import Client; c = Client(HTTP_HOST='booking.mediacampus.nl');"
        # A 404 needs neither the database nor collected static files, and gets every header.
        "r = c.get('/no-such-page/', secure=True); plain = c.get('/', secure=False);"
        "import json; print(json.dumps({'hsts': r.get('Strict-Transport-Security'),"
        " 'csp': r.get('Content-Security-Policy'), 'status': r.status_code,"
        " 'redirect': plain.status_code, 'location': plain.get('Location')}))"
    )

    assert headers["status"] == 404
    assert headers["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in headers["csp"]
    assert (headers["redirect"], headers["location"]) == (301, "https://booking.mediacampus.nl/")


def test_production_settings_secure_cookies_and_origins_from_environment():
    values = production(
        "from django.conf import settings as s; import json;"
        "print(json.dumps({'session': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE,"
        " 'origins': s.CSRF_TRUSTED_ORIGINS,"
        " 'form_action': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']}))",
        CSRF_TRUSTED_ORIGINS="https://booking.mediacampus.nl",
        SURFCONEXT_CLIENT_ID="booking.mediacampus.nl",
        SURFCONEXT_CLIENT_SECRET="s",
        ENTRA_CLIENT_ID="c",
        ENTRA_CLIENT_SECRET="s",
        ENTRA_TENANT_ID="t",
    )

    assert values == {
        "session": True,
        "csrf": True,
        "origins": ["https://booking.mediacampus.nl"],
        # The sign-in buttons post here and are redirected on to the identity providers.
        "form_action": [
            "'self'",
            "https://connect.surfconext.nl",
            "https://login.microsoftonline.com",
        ],
    }
