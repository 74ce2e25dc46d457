"""Pure modules: text bounding and the static-only URL fetcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from reports.domain.fetcher import RefusedURL, StaticOnlyFetcher
from reports.domain.text import clip, soft_wrap, truncation_note


def test_clip_keeps_short_text_whole():
    assert clip("héllo 한국어", max_chars=100, max_lines=5).text == "héllo 한국어"
    assert not clip(None, max_chars=10, max_lines=1).truncated


def test_clip_cuts_at_characters_and_counts_the_rest():
    clipped = clip("x" * 1_000_000, max_chars=20_000, max_lines=300)
    assert len(clipped.text) == 20_000
    assert clipped.omitted_chars == 980_000
    assert "980,000" in truncation_note(clipped.omitted_chars)


def test_clip_cuts_at_lines():
    clipped = clip("line\n" * 10_000, max_chars=1_000_000, max_lines=300)
    assert clipped.text.count("\n") == 299
    assert clipped.truncated


def test_soft_wrap_breaks_long_runs_only():
    wrapped = soft_wrap("short words stay " + "x" * 150, every=60)
    assert wrapped.startswith("short words stay ")
    assert wrapped.replace("\u200b", "") == "short words stay " + "x" * 150
    assert wrapped.count("\u200b") == 2
    assert soft_wrap("a" * 60, every=60) == "a" * 60


@pytest.fixture
def static_dir(tmp_path):
    root = tmp_path / "static"
    (root / "css").mkdir(parents=True)
    (root / "css" / "ok.css").write_text("body { color: black }")
    (root / "escape").symlink_to("/etc")
    return root


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file:///dev/urandom",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/x.css",
        "data:text/css,body{}",
        "ftp://example.com/x",
        "FILE:///etc/passwd",
        "file://evil.example/etc/passwd",
    ],
)
def test_fetcher_refuses_everything_outside_static(static_dir, url):
    fetcher = StaticOnlyFetcher([static_dir])
    with pytest.raises(RefusedURL):
        fetcher.fetch(url)
    assert fetcher.refused == [url] and fetcher.served == []


def test_fetcher_refuses_traversal_and_symlinks_out_of_static(static_dir):
    fetcher = StaticOnlyFetcher([static_dir])
    for url in (
        f"{static_dir.as_uri()}/../../../../etc/passwd",
        f"{static_dir.as_uri()}/css/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        f"{static_dir.as_uri()}/escape/passwd",
        f"{static_dir.as_uri()}/css",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert fetcher.served == []


def test_fetcher_serves_a_static_file(static_dir):
    fetcher = StaticOnlyFetcher([static_dir])
    response = fetcher.fetch((static_dir / "css" / "ok.css").as_uri())
    assert response.read() == b"body { color: black }"
    assert response.content_type == "text/css"


def test_fetcher_refuses_oversized_static_file(static_dir):
    (static_dir / "big.bin").write_bytes(b"0" * 2000)
    with pytest.raises(RefusedURL):
        StaticOnlyFetcher([static_dir], max_bytes=1000).fetch((static_dir / "big.bin").as_uri())


def test_project_static_dir_exists():
    from django.conf import settings

    assert any(Path(p).is_dir() for p in settings.STATICFILES_DIRS)


def test_event_listing_aligns_columns_and_gives_the_object_in_full_last():
    from reports.domain.text import LISTING_CHARS, event_listing

    long_name = "Request #12: credit-scoring-with-a-very-long-name-for-the-retail-portfolio v14 to production"
    listing = event_listing(
        [
            (12, "2026-11-25 12:00:00", "sam", "api", "model.updated", long_name, "abcdef012345"),
            (13, "2026-11-25 12:00:01", "a\nb", "cli", "report.generated", "short", "0123456789ab"),
            (14, "2026-11-25 12:00:02", "sam", "", "model.updated", "", "0123456789ab"),
        ]
    )
    lines = listing.splitlines()
    assert lines[0].split()[:3] == ["#", "When", "(UTC)"] and lines[0].endswith(" Object")
    column = lines[0].index("Object")
    assert lines[2].startswith("     12 2026-11-25 12:00:00 sam (api)") and "abcdef012345 Request #12:" in lines[2]
    continued = [line.strip() for line in lines[3:] if not line[:8].strip()]  # only event 12 continues
    # the full object name: its start on the event's line, the rest on indented lines below, nothing cut
    assert " ".join([lines[2][column:], *continued]).replace("- ", "-") == long_name and continued
    assert all(len(line) <= LISTING_CHARS for line in lines)
    short = next(line for line in lines if line.lstrip().startswith("13 "))
    assert "a b (cli)" in short and short.endswith(" short")  # newlines inside a cell cannot break the listing
    assert lines[-1].endswith(" —") and lines[-1][column:] == "—"
