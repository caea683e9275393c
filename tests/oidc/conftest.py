"""A real OpenID Connect provider (node, `oidc-provider`) and a live Django server.

Django listens on 127.0.0.1, the providers on `localhost`: a browser (and requests) keeps
separate cookie jars per host name, and the providers use their own cookie names too.
Ports come from SSO_TEST_PORTS (default 8300-8399).
"""

import json
import os
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from pytest_django.live_server_helper import LiveServer

from accounts.services import seed_sso_organisations
from accounts.sso_config import entra_app, openid_connect_settings, surfconext_app

HERE = Path(__file__).resolve().parent
CLIENT_ID = "mediacampus-test"
CLIENT_SECRET = "test-secret-" + "k" * 32
TENANT = "7a1b2c3d-0000-4000-8000-00000000beef"
OTHER_TENANT = "00000000-1111-4111-8111-000000000bad"
FACILITY_VALUE = "urn:mace:surf.nl:hu.nl:mediacampus:facility"
ORGANISER_GROUP = "3f9e1a52-0000-4000-8000-0000000000e0"


def _node_or_skip() -> str:
    node = shutil.which("node")
    missing = None
    if node is None:
        missing = "node is not installed"
    elif not (HERE / "node_modules" / "oidc-provider").is_dir():
        missing = "tests/oidc/node_modules is missing: run `npm ci --prefix tests/oidc`"
    if missing is None:
        return node
    message = f"SSO end-to-end tests need a real OpenID Connect provider: {missing}."
    if os.environ.get("REQUIRE_NODE") == "1":
        pytest.fail(message + " (REQUIRE_NODE=1 makes this a failure)", pytrace=False)
    pytest.skip(message)


def _port_range() -> range:
    low, high = os.environ.get("SSO_TEST_PORTS", "8300-8399").split("-")
    return range(int(low), int(high) + 1)


def _free_port(taken: set[int]) -> int:
    for port in _port_range():
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise RuntimeError("no free port in SSO_TEST_PORTS")


@dataclass
class IdentityProvider:
    process: subprocess.Popen
    base: str  # http://localhost:<port>[/<tenant>/v2.0]

    def last_authorization(self) -> dict:
        return requests.get(f"{self.base}/_test/last-authorization", timeout=5).json()


def _start_provider(node, profile, taken, redirect_uris, tenant="") -> IdentityProvider:
    # Another test run may grab a probed port before node binds it: then try the next one.
    for _attempt in range(5):
        port = _free_port(taken)
        command = [node, str(HERE / "provider.mjs"), "--profile", profile, "--port", str(port)]
        command += ["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]
        command += ["--tenant", tenant]
        for uri in redirect_uris:
            command += ["--redirect-uri", uri]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        match = re.fullmatch(r"READY (\d+)\n", process.stdout.readline())
        if match:
            mount = f"/{tenant}/v2.0" if tenant else ""
            return IdentityProvider(process, f"http://localhost:{match.group(1)}{mount}")
        process.kill()
        process.wait(timeout=10)
    raise RuntimeError(f"the test OpenID provider ({profile}) did not start")


@pytest.fixture(scope="session")
def _sso_ports():
    return set()


@pytest.fixture(scope="session")
def sso_live_server(_sso_ports, django_db_setup):
    # After the test database exists and stopped before it is dropped: the server's threads
    # may hold a connection, and PostgreSQL refuses to drop a database in use.
    _node_or_skip()
    for _attempt in range(5):
        try:
            server = LiveServer(f"127.0.0.1:{_free_port(_sso_ports)}")
        except OSError:  # the port was taken between the probe and the bind
            continue
        break
    else:
        raise RuntimeError("no port for the live server in SSO_TEST_PORTS")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def identity_providers(sso_live_server, _sso_ports):
    node = _node_or_skip()
    callback = sso_live_server.url + "/accounts/oidc/{}/login/callback/"
    started = {}
    try:
        started["surfconext"] = _start_provider(
            node, "surfconext", _sso_ports, [callback.format("surfconext")]
        )
        started["entra"] = _start_provider(
            node, "entra", _sso_ports, [callback.format("entra")], tenant=TENANT
        )
        yield started
    finally:
        for provider in started.values():
            provider.process.terminate()
            provider.process.wait(timeout=10)


@pytest.fixture
def sso(identity_providers, sso_live_server, settings, transactional_db):
    """Both SSO apps configured against the test providers, as settings.py would, and the
    SSO identifiers a deployment with SURFCONEXT_HOME_ORGANIZATIONS=hu.nl and this
    ENTRA_TENANT_ID gets after `migrate`."""
    surf, entra = identity_providers["surfconext"], identity_providers["entra"]
    seed_sso_organisations(home_organizations=["hu.nl"], entra_tenant_id=TENANT)
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": openid_connect_settings(
            [
                surfconext_app(
                    client_id=CLIENT_ID,
                    secret=CLIENT_SECRET,
                    server_url=surf.base,
                    groups_claim="eduperson_entitlement",
                    role_values={"facility_managers": [FACILITY_VALUE]},
                ),
                entra_app(
                    client_id=CLIENT_ID,
                    secret=CLIENT_SECRET,
                    tenant_id=TENANT,
                    authority=entra.base.removesuffix(f"/{TENANT}/v2.0"),
                    groups_claim="groups",
                    role_values={"event_organisers": [ORGANISER_GROUP]},
                ),
            ]
        )
    }
    yield SsoBrowser(sso_live_server.url, identity_providers)
    while SsoBrowser.opened:
        SsoBrowser.opened.pop().close()


class SsoBrowser:
    """Drives a sign-in the way a browser does: real HTTP, redirects followed, cookies kept."""

    # A live-server thread serving an idle kept-alive connection holds its database
    # connection, and PostgreSQL refuses to drop a test database in use: the `sso` fixture
    # closes every session a test opened.
    opened: list = []

    def __init__(self, site: str, providers: dict):
        self.site = site
        self.providers = providers
        self.session = requests.Session()
        self.opened.append(self.session)

    def start(self, provider_id: str) -> requests.Response:
        """Press the sign-in button; returns the redirect to the identity provider."""
        self.session.get(f"{self.site}/accounts/login/", timeout=10)
        return self.session.post(
            f"{self.site}/accounts/oidc/{provider_id}/login/",
            data={"csrfmiddlewaretoken": self.session.cookies.get("csrftoken", domain="127.0.0.1")},
            allow_redirects=False,
            timeout=10,
        )

    def sign_in(self, provider_id, account, claims, id_token="valid") -> requests.Response:
        """The whole round trip; returns the last response (Django's, after the callback)."""
        redirect = self.start(provider_id)
        assert redirect.status_code == 302, redirect.text
        interaction = self.session.get(redirect.headers["Location"], timeout=10)
        assert "/interaction/" in interaction.url, interaction.text
        return self.session.post(
            interaction.url.rstrip("/") + "/login",
            data={"account": account, "claims": json.dumps(claims), "id_token": id_token},
            timeout=30,
        )

    def me(self) -> requests.Response:
        return self.session.get(f"{self.site}/api/v1/me/", timeout=10)
