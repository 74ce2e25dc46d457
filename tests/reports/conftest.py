"""Reports test helpers: a model of the persona team taken to production through the real services."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from registry import services
from registry.choices import MODEL_CARD_FIELDS
from reports import rendering

FULL_CARD = {name: f"{name.replace('_', ' ')} text" for name in MODEL_CARD_FIELDS}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Personas are created with passwords: a fast hasher keeps set-up cheap on a shared machine.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.MEDIA_ROOT


def make_model(personas, name: str = "credit-scoring", **fields):
    fields.setdefault("risk_tier", "low")
    return services.model_create(actor=personas.scientist, name=name, team=personas.team, **fields)


def make_version(personas, model, *, card=None, metrics=None, **fields):
    version = services.version_create(
        model=model,
        actor=personas.scientist,
        source_uri=fields.pop("source_uri", f"s3://models/{model.name}/artifact.skops"),
        metrics=metrics if metrics is not None else {"accuracy": 0.91},
        **fields,
    )
    services.card_update(version=version, actor=personas.scientist, **(card or FULL_CARD))
    services.version_transition(version=version, target="staging", actor=personas.scientist)
    version.refresh_from_db()
    return version


def promote(personas, version, *, justification="Beats v0 on every metric.", comment="Looks good."):
    request, _ = services.promotion_request_create(
        version=version, actor=personas.scientist, justification=justification
    )
    services.promotion_decide(request=request, actor=personas.approver, decision="approve", comment=comment)
    version.refresh_from_db()
    assert version.stage == "production", request.gate_results
    return request


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


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def flat(text: str) -> str:
    """Text extraction splits lines anywhere: compare without whitespace."""
    return "".join(text.replace("\u200b", "").split())


def assert_no_attachments(data: bytes) -> None:
    reader = PdfReader(io.BytesIO(data))
    root: Any = reader.trailer["/Root"]  # pypdf types trailer entries as the PdfObject union
    names = root.get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    assert reader.attachments == {}
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            assert annot.get_object().get("/Subtype") != "/FileAttachment"
