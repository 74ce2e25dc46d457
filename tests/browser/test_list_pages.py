"""The list pages given a filter bar for issue #12 (assessments, drift checks, alerts, datasets, stored reports), in
a real browser at 1280 and 390 px: the bar is used by keyboard-free clicks like a person would, a bad value shows
its error beside the field with the typed value kept, nothing is wider than the viewport, and axe-core finds no
serious or critical violation. A refused start of an assessment keeps the typed notes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.fixtures.browser import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "not-used-1234"
AXE_RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical').map(v => v.id + ': ' + v.help)"""
WIDER = """() => {
  const doc = document.documentElement;
  if (doc.scrollWidth <= doc.clientWidth + 1) return null;
  return [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > doc.clientWidth + 1 && el.offsetParent !== null)
    .slice(0, 4).map(el => el.tagName.toLowerCase() + '.' + String(el.className) + '#' + el.id);
}"""
LISTS = (
    ("assessments:assessment-list", {"status": "finished"}, "status"),
    ("monitoring:check-list", {"version": "one"}, "version"),
    ("monitoring:alert-list", {"kind": "fire"}, "kind"),
    ("monitoring:dataset-list", {"since": "soon"}, "since"),
    ("reports:report-list", {"status": "lost"}, "status"),
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_content_types(transactional_db):
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture
def seeded(personas):
    from assessments import builtin
    from assessments import services as assessments
    from registry import services as registry

    builtin.load()
    model = registry.model_create(actor=personas.scientist, name="credit-scoring", team=personas.team)
    assessments.assessment_create(model=model, actor=personas.scientist, framework_slug="lifecycle")
    return model


@pytest.mark.parametrize("width", [1280, 390])
def test_filter_bars_work_fit_the_screen_and_pass_axe(browser, live_server, seeded, axe_source, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    login(page, live_server.url, "sam", PASSWORD)
    problems = []
    for name, bad, field in LISTS:
        url = live_server.url + reverse(name)
        page.goto(url)
        page.fill("#id_model", "CRED")
        page.locator("[data-testid=filters] button[type=submit]").click()
        page.wait_for_url("**model=CRED**")
        if name == "assessments:assessment-list":
            assert page.locator("[data-testid=assessment-table] tbody tr a[href^='/assessments/']").count() >= 1
        page.goto(url + "?" + "&".join(f"{k}={v}" for k, v in {**bad, "model": "cred"}.items()))
        assert page.locator("[data-testid=filter-errors]").is_visible(), name
        assert page.locator(f"#id_{field}_error").is_visible(), (name, field)
        assert page.locator("#id_model").input_value() == "cred"
        wide = page.evaluate(WIDER)
        if wide:
            problems.append(f"{name} wider than {width} px: {wide}")
        page.add_script_tag(content=axe_source)
        problems += [f"{name}: {v}" for v in page.evaluate(AXE_RUN)]
    context.close()
    assert not problems, problems


def test_a_refused_start_keeps_the_notes_typed(browser, live_server, seeded):
    context = browser.new_context(viewport={"width": 390, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    login(page, live_server.url, "sam", PASSWORD)
    page.goto(live_server.url + reverse("assessments:assessment-list"))
    page.locator("[data-testid=start-assessment] summary").click()
    page.select_option("#start_model", label="credit-scoring")
    page.fill("#start_version", "9")
    page.fill("#start_notes", "Quarterly review")
    page.locator("[data-testid=start-form] button[type=submit]").click()
    assert page.locator("#start_version_error").inner_text() == "credit-scoring has no version 9."
    assert page.locator("#start_notes").input_value() == "Quarterly review"
    assert page.locator(".message-error").is_visible()
    context.close()
