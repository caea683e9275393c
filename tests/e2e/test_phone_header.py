"""The header on a phone (issue 18, item 6): brand and a menu button on one line; the
navigation opens from the button, by touch or keyboard. On a desktop nothing is folded."""

import pytest

from tests.e2e.conftest import verified
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


def test_the_phone_header_is_one_line_and_the_menu_opens_and_closes(open_tab, variant):
    tab = open_tab(verified(UserFactory(affiliation="hu")))
    page = tab.goto("/")
    header = page.locator(".site-header").bounding_box()
    button = page.locator(".menu-button")
    my_overview = page.locator(".main-nav a[href$='/my/']")

    if not variant.is_phone:
        assert not button.is_visible()
        assert my_overview.is_visible()
        return
    # 173 px before: brand, five links and the language switch stacked.
    assert header["height"] < 70, header
    assert not my_overview.is_visible()
    assert button.get_attribute("aria-expanded") == "false"

    button.tap()
    assert button.get_attribute("aria-expanded") == "true"
    assert my_overview.is_visible()
    assert page.locator("#lang-select").is_visible()
    tab.audit()

    # The keyboard: Enter on the focused button folds it again.
    button.focus()
    page.keyboard.press("Enter")
    assert button.get_attribute("aria-expanded") == "false"
    assert not my_overview.is_visible()
    button.focus()
    page.keyboard.press("Enter")
    tab.click(my_overview)
    assert page.url.endswith(tab.path("/my/"))
