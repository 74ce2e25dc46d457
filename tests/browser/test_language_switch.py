"""The header's language switcher in a real browser at 390 px (issue #16): reachable by keyboard without opening
the menu, nothing wider than the screen, no serious axe violation, and the choice follows the person's log-in."""

from __future__ import annotations

import pytest

from mlops_gov.roles import ROLE_DATA_SCIENTIST
from tests.browser.test_crawl import AXE_RUN, OVERFLOW
from tests.fixtures.personas import make_user

PASSWORD = "Switch-pass-12345"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_switching_to_korean_at_390px_by_keyboard(browser, live_server, builtin_data, axe_source, compiled_catalogues):
    user = make_user("minji", ROLE_DATA_SCIENTIST)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/login/")
    assert page.get_attribute("html", "lang") == "en-gb"
    switch = page.get_by_test_id("language-ko")
    assert switch.is_visible() and switch.inner_text() == "한국어"
    switch.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_attribute("html", "lang") == "ko"
    assert page.evaluate(OVERFLOW) is None
    page.add_script_tag(content=axe_source)
    assert page.evaluate(AXE_RUN) == []

    page.fill("input[name=username]", "minji")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_attribute("html", "lang") == "ko"
    # At 390 px the menu folds behind its button; the way back to English stays in sight beside it.
    assert page.get_by_test_id("language-en-gb").is_visible()
    assert page.locator(".nav-toggle").is_visible()
    assert page.evaluate(OVERFLOW) is None
    page.add_script_tag(content=axe_source)
    assert page.evaluate(AXE_RUN) == []
    with page.expect_navigation():
        page.get_by_test_id("language-en-gb").click()
    assert page.get_attribute("html", "lang") == "en-gb"
    context.close()
