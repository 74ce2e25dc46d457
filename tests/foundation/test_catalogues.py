"""Every translation catalogue in the repository (the project's and each app's) is complete: every entry
translated, none fuzzy, and every placeholder of the English text kept (msgfmt --check), so no reader of Korean
meets an English sentence the catalogue knows, nor a page that breaks on a missing %(name)s."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.fixtures.i18n import ROOT, catalogues

STATISTICS = re.compile(r"^(\d+) translated messages?\.$")


def _problems(path: Path) -> list[str]:
    assert shutil.which("msgfmt"), "msgfmt is missing: apt-get install gettext (make test installs it)"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(path)], capture_output=True, text=True, check=False
    )
    lines = result.stderr.strip().splitlines()
    problems = [] if result.returncode == 0 else lines[:-1] or ["msgfmt failed"]
    summary = lines[-1] if lines else ""
    if not STATISTICS.match(summary) or summary.startswith("0 "):
        problems.append(summary)
    # msgfmt does not count a fuzzy header, and a fuzzy entry stays fuzzy once translated: refuse both.
    fuzzy = [n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith("#,") and "fuzzy" in line]
    if fuzzy:
        problems.append(f"fuzzy entries at lines {fuzzy}")
    return problems


def test_every_language_but_english_has_the_projects_catalogue():
    for code, _name in settings.LANGUAGES:
        if not code.startswith("en"):
            assert (ROOT / "locale" / code / "LC_MESSAGES" / "django.po").exists(), code


@pytest.mark.parametrize("path", catalogues(), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete_with_no_fuzzy_entry(path: Path):
    assert _problems(path) == [], f"{path.relative_to(ROOT)}: translate every entry, leave none fuzzy"


HEADER = (
    'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n\n'
)


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ('msgid "Models"\nmsgstr ""\n', "1 untranslated message"),
        ('#, fuzzy\nmsgid "Models"\nmsgstr "모델"\n', "fuzzy"),
        ('#, python-format\nmsgid "Page %(number)s"\nmsgstr "쪽"\n', "format specification"),
    ],
)
def test_the_check_refuses_an_incomplete_catalogue(tmp_path, entries, expected):
    path = tmp_path / "django.po"
    path.write_text(HEADER + entries)
    assert any(expected in problem for problem in _problems(path)), _problems(path)
