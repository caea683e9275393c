"""Browser tests: Debian's Chromium driven by Playwright against a live server of the project.

One browser per test module, a fresh browser context (cookies, viewport, language) per test
and per person in it. Every test runs in Dutch and in English, on a laptop (1280x800) and
on a phone (390x844). Each page a journey reaches is checked by `Tab.audit()`: the right
`<html lang>`, no error status, no Content-Security-Policy violation, and axe-core finds no
serious or critical accessibility violation; a test fails if it reached a page it did not audit.

Without /usr/bin/chromium or tests/e2e/node_modules/axe-core these tests are skipped with a
message; REQUIRE_BROWSER=1 (set in CI) makes that a failure.
"""

import os
import socket
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.test import Client
from PIL import Image
from pytest_django.live_server_helper import LiveServer

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"
ROOT = HERE.parent.parent
# SCREENSHOT_DIR=docs/screenshots refreshes the README's pictures; by default they go to a
# scratch folder that git ignores. Only these (page, variant) pairs are photographed.
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR", HERE / "screenshots-tmp"))
SCREENSHOTS = {
    ("rooms-search", "en-1280x800"),
    ("room-week", "en-1280x800"),
    ("day-grid", "en-1280x800"),
    ("day-grid", "nl-390x844"),
    ("booking-conflict", "nl-390x844"),
    ("my-bookings", "nl-390x844"),
    ("dmw-timetable", "en-1280x800"),
    ("dmw-timetable", "nl-390x844"),
    ("dmw-grid", "en-1280x800"),
    ("dmw-embed", "nl-1280x800"),
    ("event", "en-1280x800"),
    ("check-in", "nl-390x844"),
    ("day-grid-desks", "en-1280x800"),
    ("day-grid-desks", "nl-390x844"),
    ("covenant-report", "en-1280x800"),
    ("covenant-report", "nl-390x844"),
}
# Without the background-networking flags Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # The segments of a date-time field follow the browser's own locale: fix it, so that the
    # keyboard test knows the order in which to type them on every machine.
    "--lang=en-US",
]
BROWSER_LOCALE = {"nl": "nl-NL", "en": "en-GB"}


@dataclass(frozen=True)
class Variant:
    language: str
    width: int
    height: int

    @property
    def id(self) -> str:
        return f"{self.language}-{self.width}x{self.height}"

    @property
    def is_phone(self) -> bool:
        return self.width < 600


VARIANTS = [Variant(lang, w, h) for lang in ("nl", "en") for w, h in ((1280, 800), (390, 844))]


def _browser_or_skip() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} is missing (apt-get install chromium)")
    if not AXE_JS.exists():
        missing.append("axe-core is missing (npm ci --prefix tests/e2e)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright is not installed (make .venv/.dev-installed)")
    if not missing:
        return
    message = "Browser tests need Chromium, axe-core and Playwright: " + "; ".join(missing) + "."
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(message + " (REQUIRE_BROWSER=1 makes this a failure)", pytrace=False)
    pytest.skip(message + " Install them to enable the browser tests.")


def _free_port() -> int:
    low, high = os.environ.get("E2E_TEST_PORTS", "8400-8499").split("-")
    for port in range(int(low), int(high) + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port in E2E_TEST_PORTS")


@pytest.fixture(scope="module")
def browser(django_db_setup):
    # Playwright's event loop runs in this thread while the browser is open, and Django refuses
    # database work beside a running loop (see _orm_beside_playwright). So the test database is
    # made before it starts, and the browser closes (and the loop stops) after each module:
    # a session-wide browser would break the database tests that run after these.
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            env={**os.environ, "LANG": "en_US.UTF-8"},
        )
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls
    # from the test and its fixtures unless told that this is deliberate (as Playwright's docs
    # for Django advise). Per test only: set for the whole session, it would leak into the
    # subprocesses of other tests (`check --deploy` fails on it).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def e2e_server(django_db_setup):
    # After the test database exists and stopped before it is dropped: the server's threads
    # may hold a connection, and PostgreSQL refuses to drop a database in use.
    for _attempt in range(5):
        try:
            server = LiveServer(f"127.0.0.1:{_free_port()}")
        except OSError:  # another run took the port between the probe and the bind
            continue
        break
    else:
        raise RuntimeError("no port for the live server in E2E_TEST_PORTS")
    yield server
    server.stop()


@pytest.fixture(params=VARIANTS, ids=[v.id for v in VARIANTS])
def variant(request) -> Variant:
    return request.param


@dataclass
class Tab:
    """One person's browser tab, with the bookkeeping that makes every page get audited."""

    page: object
    site: str
    variant: Variant
    visited: list = field(default_factory=list)
    audited: set = field(default_factory=set)
    statuses: list = field(default_factory=list)
    csp_violations: list = field(default_factory=list)

    def url(self, path: str) -> str:
        prefix = "" if self.variant.language == settings.LANGUAGE_CODE else "/en"
        return f"{self.site}{prefix}{path}"

    def path(self, path: str) -> str:
        """The page path in this tab's language (for comparing with page.url)."""
        return self.url(path).removeprefix(self.site)

    def goto(self, path: str):
        self.page.goto(self.url(path))
        return self.audit()

    def click(self, locator):
        """Follow a link or press a submit button, wait for the next page, audit it."""
        with self.page.expect_navigation():
            locator.tap() if self.variant.is_phone else locator.click()
        return self.audit()

    def reveal(self, locator):
        """Open a disclosure (a `<details>` summary) on this page, and audit what it shows."""
        locator.tap() if self.variant.is_phone else locator.click()
        return self.audit()

    def press(self, locator, key: str = "Enter"):
        """Submit a form from the keyboard, wait for the next page, audit it."""
        with self.page.expect_navigation():
            locator.press(key)
        return self.audit()

    def audit(self):
        """Check the page now shown: language, status, CSP, and axe-core's serious findings."""
        page = self.page
        page.wait_for_load_state("load")
        url = urldefrag(page.url).url
        assert self.statuses, url
        assert self.statuses[-1][1] < 400, f"{url}: {self.statuses[-1]}"
        assert page.locator("html").get_attribute("lang") == self.variant.language, url
        if self.variant.language == "en":
            assert urlsplit(url).path.startswith("/en/"), url
        else:
            assert not urlsplit(url).path.startswith("/en/"), url
        assert not self.csp_violations, self.csp_violations
        problems = run_axe(page)
        assert not problems, f"axe-core on {url}:\n" + "\n".join(map(str, problems))
        self.audited.add(url)
        return page

    def screenshot(self, name: str, scroll_to: str | None = None) -> None:
        """The viewport as PNG; `scroll_to` (a selector) puts that part at the top first."""
        if (name, self.variant.id) not in SCREENSHOTS:
            return
        if scroll_to:
            self.page.locator(scroll_to).evaluate("element => element.scrollIntoView()")
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOT_DIR / f"{name}-{self.variant.id}.png"
        # A 256-colour palette keeps a page's PNG at a third of its size, text still crisp.
        Image.open(BytesIO(self.page.screenshot())).quantize(colors=256).save(path, optimize=True)

    def unaudited_pages(self) -> list[str]:
        ours = [urldefrag(url).url for url in self.visited if url.startswith(self.site)]
        return [url for url in ours if url not in self.audited]


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' '))}));
}"""


def run_axe(page) -> list[dict]:
    # axe-core comes in as an init script of the browser context (see open_tab), evaluated
    # through the DevTools protocol, which the page's Content-Security-Policy does not govern:
    # the pages keep their real CSP during the journeys (no bypass_csp), so an inline script or
    # style they would need shows up as a violation instead of being hidden.
    assert page.evaluate("() => typeof window.axe !== 'undefined'"), "axe-core not loaded"
    return page.evaluate(AXE_RUN)


def sign_in_cookie(user, site: str) -> dict:
    """A session for `user`, as after a sign-in, for the people a journey only needs signed in."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site}


@pytest.fixture
def _role_groups(transactional_db):
    # A transactional test flushes the tables afterwards, the groups the migrations made too.
    from django.contrib.auth.models import Group

    from accounts.roles import ROLE_GROUPS

    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


@pytest.fixture
def open_tab(browser, e2e_server, variant, transactional_db, _role_groups):
    """open_tab(user=None) -> a Tab in a fresh browser context; signed in as `user` if given."""
    tabs, contexts = [], []

    def open_tab(user=None) -> Tab:
        context = browser.new_context(
            viewport={"width": variant.width, "height": variant.height},
            locale=BROWSER_LOCALE[variant.language],
            timezone_id="Europe/Amsterdam",
            is_mobile=variant.is_phone,
            has_touch=variant.is_phone,
        )
        context.set_default_timeout(15_000)
        context.add_init_script(path=AXE_JS)
        contexts.append(context)
        if user is not None:
            context.add_cookies([sign_in_cookie(user, e2e_server.url)])
        page = context.new_page()
        tab = Tab(page=page, site=e2e_server.url, variant=variant)
        page.on(
            "framenavigated",
            lambda frame: frame == page.main_frame and tab.visited.append(frame.url),
        )
        page.on(
            "response",
            lambda response: (
                response.request.is_navigation_request()
                and response.frame == page.main_frame
                and tab.statuses.append((response.url, response.status))
            ),
        )
        page.on(
            "console",
            lambda message: (
                "Content Security Policy" in message.text
                and tab.csp_violations.append(message.text)
            ),
        )
        tabs.append(tab)
        return tab

    yield open_tab
    for context in contexts:
        context.close()
    for tab in tabs:
        assert not tab.unaudited_pages(), f"pages not audited: {tab.unaudited_pages()}"
        assert all(status < 500 for _url, status in tab.statuses), tab.statuses


def verified(user):
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


@pytest.fixture(scope="session")
def surfconext_provider(e2e_server):
    """The test OpenID provider of the SSO tests (tests/oidc), playing SURFconext for us."""
    from tests.oidc.conftest import _node_or_skip, _start_provider

    node = _node_or_skip()
    callback = f"{e2e_server.url}/accounts/oidc/surfconext/login/callback/"
    # The provider takes its port from SSO_TEST_PORTS, like the SSO tests' providers.
    provider = _start_provider(node, "surfconext", set(), [callback])
    yield provider
    provider.process.terminate()
    provider.process.wait(timeout=10)


@pytest.fixture
def surfconext(surfconext_provider, settings):
    """SURFconext sign-in configured as settings.py does from SURFCONEXT_* variables."""
    from accounts.sso_config import origin_of, surfconext_app
    from tests.oidc.conftest import CLIENT_ID, CLIENT_SECRET

    app = surfconext_app(
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        server_url=surfconext_provider.base,
        groups_claim="eduperson_entitlement",
        role_values={},
    )
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": [app]}
    }
    # settings.py lets forms post to the configured identity providers; the same here.
    policy = {**settings.CONTENT_SECURITY_POLICY}
    directives = {**policy["DIRECTIVES"]}
    directives["form-action"] = [*directives["form-action"], origin_of(surfconext_provider.base)]
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    return surfconext_provider


def fill_moment(page, name: str, moment) -> None:
    """Type a date-and-time field as a person does: the date as day-month-year, then choose
    the time (booking/widgets.py)."""
    page.locator(f"#id_{name}_date").fill(moment.strftime("%d-%m-%Y"))
    page.locator(f"#id_{name}_time").select_option(moment.strftime("%H:%M"))


def shown_moment(page, name: str) -> str:
    """What a date-and-time field shows, as `YYYY-MM-DDTHH:MM`."""
    day = datetime.strptime(page.locator(f"#id_{name}_date").input_value(), "%d-%m-%Y")
    return f"{day.date().isoformat()}T{page.locator(f'#id_{name}_time').input_value()}"
