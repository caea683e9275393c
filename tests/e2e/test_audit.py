"""The audit that every journey runs can fail: a control on a page made to be broken."""

import pytest

from tests.e2e.conftest import AXE_JS, run_axe

pytestmark = pytest.mark.e2e

BROKEN = """<!DOCTYPE html><html lang="en"><head><title>Broken</title></head><body><main>
<form><input name="q"><button></button></form><img src="/x.png"></main></body></html>"""


def test_axe_reports_serious_violations_on_a_broken_page(browser, e2e_server):
    context = browser.new_context()
    context.add_init_script(path=AXE_JS)
    page = context.new_page()
    url = f"{e2e_server.url}/broken-on-purpose/"
    page.route(url, lambda route: route.fulfill(body=BROKEN, content_type="text/html"))

    page.goto(url)
    problems = run_axe(page)

    context.close()
    assert {p["id"] for p in problems} == {"label", "button-name", "image-alt"}
