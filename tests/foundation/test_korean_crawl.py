"""Every page reachable from the dashboard, as each role, read in Korean (issue #16): no text the translation
catalogues know is left in English.

A server-side crawl with Django's test client over the pages the browser crawl visits (tests/browser/test_crawl.py:
the same start, the same pages left out, one sample per page shape): each page's text nodes and its labelling
attributes (aria-label, title, placeholder, alt, value of buttons) are compared with the English side of every
catalogue in the repository (the project's and each app's). A node that is exactly an English catalogue entry (or
one of its sentences with placeholders) means a string was marked but rendered in English: translated at import
time, outside the request's language, or missing from the catalogue."""

from __future__ import annotations

import gettext
import re
from collections import Counter
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from notifications.services import language_update
from tests.browser.test_crawl import FETCH_ONLY, NOT_CRAWLED, NOT_JUDGED, ROLES, _shape
from tests.fixtures.i18n import catalogues

MAX_PAGES_PER_ROLE = 80
# Pages crawled for their links but not judged (none: every page is judged, the questionnaires and reports too).
NOT_YET_JUDGED: tuple[str, ...] = ()
LABEL_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
HANGUL = re.compile("[\uac00-\ud7a3]")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]|%[sd]|\{\w*\}")


def english_entries() -> tuple[set[str], list[re.Pattern[str]]]:
    """The English texts of every compiled catalogue whose Korean differs: exact texts, and patterns for those
    with placeholders."""
    exact: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for po in catalogues():
        if "/ko/" not in str(po):
            continue
        with po.with_suffix(".mo").open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        for key, korean in catalogue.items():
            english = key[0] if isinstance(key, tuple) else key
            english = english.split("\x04", 1)[-1]  # drop a message context
            if not english or english == korean or "\n" in english:
                continue
            text = " ".join(re.sub(r"<[^>]+>", " ", english).split())
            if PLACEHOLDER.search(text):
                parts = [re.escape(p) for p in PLACEHOLDER.split(text)[::2]]
                if sum(len(p) for p in parts) >= 8:  # enough fixed English to be sure
                    patterns.append(re.compile(".+?".join(parts)))
            elif "%%" not in text:
                exact.add(text.replace("%%", "%"))
    return exact, patterns


class _Texts(HTMLParser):
    """The text nodes of <body> (not scripts or styles) and the labelling attributes, whitespace collapsed. Text
    an element declares to be in another language (stored data kept in English, e.g. ``<td lang="en">`` around an
    audit event's object) is left out: it is not the page's text but a record, shown as it was written."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0
        self._foreign: tuple[str, int] | None = None  # the element in another language, and its nesting depth

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if self._foreign is not None:
            if tag == self._foreign[0]:
                self._foreign = (tag, self._foreign[1] + 1)
            return
        language = dict(attrs).get("lang")
        if tag != "html" and language and not language.startswith("ko"):
            self._foreign = (tag, 1)
            return
        for name, value in attrs:
            labelling = name in LABEL_ATTRIBUTES or (
                name == "value" and tag == "input" and dict(attrs).get("type") in ("submit", "button")
            )
            if value and labelling:
                self.texts.append(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if self._foreign is not None and tag == self._foreign[0]:
            depth = self._foreign[1] - 1
            self._foreign = (tag, depth) if depth else None

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip and self._foreign is None:
            self.texts.append(text)


def _links(html: str) -> list[str]:
    return re.findall(r'<a\s[^>]*href="([^"]+)"', html)


def _crawl(client: Client, exact: set[str], patterns: list[re.Pattern[str]]) -> tuple[list[str], int]:
    problems: list[str] = []
    queue, seen, shapes, visited = ["/"], {"/"}, Counter[str](), 0
    while queue and visited < MAX_PAGES_PER_ROLE:
        url = queue.pop(0)
        path = urlsplit(url).path
        if FETCH_ONLY.search(path) or NOT_JUDGED.search(path):
            continue
        response = client.get(url)
        visited += 1
        if response.status_code >= 500:
            problems.append(f"{url}: HTTP {response.status_code}")
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if path.startswith(NOT_YET_JUDGED):
            pass
        elif '<html lang="ko"' not in html:
            problems.append(f"{url}: not served in Korean")
        else:
            parser = _Texts()
            parser.feed(html)
            for text in parser.texts:
                if HANGUL.search(text):
                    continue  # translated (a Korean sentence around English data is not English left over)
                if text in exact or any(p.fullmatch(text) for p in patterns):
                    problems.append(f"{url}: {text!r}")
        for href in _links(html):
            target = urlsplit(urljoin("http://testserver" + url, href.replace("&amp;", "&")))
            if target.netloc != "testserver" or not target.path or target.path.startswith(NOT_CRAWLED):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            shape = _shape(target.path, target.query)
            if link in seen or shapes[shape] >= 1:
                continue
            seen.add(link)
            shapes[shape] += 1
            queue.append(link)
    return problems, visited


@pytest.fixture
def demo_portfolio(builtin_data):
    call_command("create_demo_users", verbosity=0)
    call_command("seed_demo", verbosity=0)


@pytest.mark.crawl
@pytest.mark.django_db
@pytest.mark.usefixtures("compiled_catalogues")
def test_every_page_as_every_role_in_korean_leaves_no_catalogue_text_in_english(demo_portfolio):
    exact, patterns = english_entries()
    assert len(exact) > 300, "the catalogues were not compiled"
    report: list[str] = []
    for role, username in ROLES.items():
        user = get_user_model().objects.get(username=username)
        language_update(user=user, actor=user, language="ko")
        client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the saved choice wins over the browser's
        client.force_login(user)
        problems, visited = _crawl(client, exact, patterns)
        assert visited >= 15, f"{role}: only {visited} pages reachable from the dashboard"
        report += [f"[{role}] {p}" for p in problems]
    unique = sorted(set(report))
    assert not unique, f"{len(unique)} English text(s) on Korean pages:\n" + "\n".join(unique)
