"""Reports fixtures: a model of the persona team in production (``tests.reports.factories``), a fetcher spy."""

from __future__ import annotations

from typing import Any

import pytest

from reports import rendering
from tests.reports.factories import make_model, make_version, promote


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Personas are created with passwords: a fast hasher keeps set-up cheap on a shared machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.MEDIA_ROOT


@pytest.fixture
def production(personas):
    model = make_model(personas, description="Scores credit applications for Café Zoë; 신용 평가 모델.")
    version = make_version(personas, model, description="Gradient boosting, 300 trees.")
    promote(personas, version)
    return version


class FetcherSpy:
    """Records every fetcher the renderer builds, so a test can see each URL WeasyPrint asked for."""

    def __init__(self) -> None:
        self.fetchers: list[Any] = []

    def __call__(self):
        fetcher = _original_make_fetcher()
        self.fetchers.append(fetcher)
        return fetcher

    @property
    def requested(self) -> list[str]:
        return [url for f in self.fetchers for url in f.requested]

    @property
    def served(self) -> list[str]:
        return [url for f in self.fetchers for url in f.served]


_original_make_fetcher = rendering.make_fetcher


@pytest.fixture
def fetcher_spy(monkeypatch):
    spy = FetcherSpy()
    monkeypatch.setattr(rendering, "make_fetcher", spy)
    return spy
