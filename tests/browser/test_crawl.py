"""Every page reachable from the dashboard, as each role, at 1280 and 390 px: no server error, nothing wider than
the viewport, no serious or critical axe-core violation.

The crawl follows the links of every page it loads (navigation, lists, details, filters, sort headers), so pages
added later are checked without touching this test. Query-string variants of one page (sort orders, filters,
other dimensions) and pages of the same shape (e.g. the 10th assessment) are sampled, to keep the run short.
Downloads (CSV, JSON, PDF) are fetched and must not fail; they are not HTML, so no layout check applies. Django's
admin and the MLflow-compatible API are other products' pages and are not crawled; Evidently's own report and the
API docs (Swagger UI) are third-party documents: fetched, not judged for layout or accessibility.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError

ROLES = {"data scientist": "dana", "ML engineer": "eli", "approver": "ava", "auditor": "aud"}
PASSWORD = "Crawl-pass-12345"
WIDTHS = (1280, 390)
NOT_CRAWLED = ("/admin/", "/api/2.0/", "/static/", "/media/", "/logout/", "/login/")
FETCH_ONLY = re.compile(r"(\.csv|\.json|\.pdf|/download/|/report/|/api/)")
NOT_JUDGED = re.compile(r"(/checks/\d+/report/|/api/v1/docs/|/api/v1/redoc/|/api/v1/schema/)")
SAMPLES_PER_SHAPE = 1
MAX_PAGES_PER_ROLE = 120

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""
OVERFLOW = """() => {
  const doc = document.documentElement;
  if (doc.scrollWidth <= doc.clientWidth + 1) return null;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > doc.clientWidth + 1 && el.offsetParent !== null)
    .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : ''));
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, widest: wide};
}"""
LINKS = "() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"
# What a role sees of a page besides the menu: pages that show two roles the same content are judged once per width.
CONTENT = "() => (document.querySelector('main') || document.body).innerHTML.replace(/csrfmiddlewaretoken[^>]*>/g, '')"


def _shape(path: str, query: str) -> str:
    keys = sorted({k for k, _ in parse_qsl(query, keep_blank_values=True)} - {"page"})
    return re.sub(r"/\d+", "/N", path) + "?" + "&".join(keys)


def _crawl_as(
    browser, base: str, username: str, axe_source: str, judged: set[tuple[int, int]], fetched: set[str]
) -> tuple[list[str], int]:
    problems: list[str] = []
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)  # a shared CI machine renders the heaviest pages (charts) slowly
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")

    queue = ["/"]
    seen: set[str] = {"/"}
    shapes: Counter[str] = Counter()
    visited = 0
    while queue and visited < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        path = urlsplit(url).path
        visited += 1
        if os.environ.get("CRAWL_VERBOSE"):
            print(f"[{username}] {visited} {url}", flush=True)
        if FETCH_ONLY.search(path) or NOT_JUDGED.search(path):
            if url in fetched:  # a download (a PDF takes seconds) is fetched once, by the first role reaching it
                continue
            fetched.add(url)
            try:
                answer = context.request.get(base + url, max_redirects=0, timeout=300_000)
            except PlaywrightError as exc:
                problems.append(f"{url}: no answer ({str(exc).splitlines()[0]})")
                continue
            if answer.status >= 500:
                problems.append(f"{url}: HTTP {answer.status}")
            continue
        try:
            response = page.goto(base + url)
        except PlaywrightError as exc:
            problems.append(f"{url}: no answer ({str(exc).splitlines()[0]})")
            continue
        status = response.status if response else 0
        if status >= 500:
            problems.append(f"{url}: HTTP {status}")
            continue
        if "text/html" not in (response.headers.get("content-type", "") if response else ""):
            continue
        page.add_script_tag(content=axe_source)
        content = hash(page.evaluate(CONTENT))
        first_page = visited == 1  # the menu is judged on each role's first page
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_timeout(50)
            overflow = page.evaluate(OVERFLOW)
            if overflow:
                problems.append(f"{url} at {width}px: page is {overflow['scrollWidth']}px wide ({overflow['widest']})")
            if (content, width) in judged and not first_page:
                continue
            judged.add((content, width))
            for v in page.evaluate(AXE_RUN):
                problems.append(f"{url} at {width}px: axe {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}")
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        for href in page.evaluate(LINKS):
            target = urlsplit(urljoin(base + url, href))
            if f"{target.scheme}://{target.netloc}" != base or not target.path:
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if link in seen or target.path.startswith(NOT_CRAWLED):
                continue
            seen.add(link)
            shape = _shape(target.path, target.query)
            if shapes[shape] >= SAMPLES_PER_SHAPE:
                continue
            shapes[shape] += 1
            queue.append(link)
    context.close()
    return problems, visited


@pytest.fixture
def demo_portfolio(transactional_db, builtin_data):
    """The demo a new installation shows: real models, assessments, drift checks, reports; known passwords."""
    call_command("create_demo_users", verbosity=0)
    call_command("seed_demo", verbosity=0)
    for username in ROLES.values():
        user = get_user_model().objects.get(username=username)
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


@pytest.mark.browser
@pytest.mark.crawl
@pytest.mark.django_db(transaction=True)
def test_every_page_as_every_role_has_no_server_error_overflow_or_serious_axe_violation(
    browser, live_server, demo_portfolio, axe_source
):
    report: list[str] = []
    judged: set[tuple[int, int]] = set()
    fetched: set[str] = set()
    for role, username in ROLES.items():
        problems, visited = _crawl_as(browser, live_server.url, username, axe_source, judged, fetched)
        assert visited >= 15, f"{role}: only {visited} pages reachable from the dashboard"
        report += [f"[{role}] {p}" for p in problems]
    assert not report, f"{len(report)} problem(s):\n" + "\n".join(report)
