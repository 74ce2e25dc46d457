"""Monitoring fixtures: a model version owned by the personas' team, and data builders."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest


def make_frame(n: int = 400, *, shift: float = 0.0, seed: int = 1, with_quality: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40 + shift * 10, 10, n).round(1),
            "income": rng.lognormal(10 + shift, 0.5, n).round(2),
            "score": rng.uniform(0, 1 + shift, n),
            "city": rng.choice(["paris", "lyon", "nice"] if not shift else ["paris", "lille", "brest"], n),
        }
    )
    if with_quality:
        frame["label"] = (frame["score"] > 0.5).astype(int)
        frame["pred"] = ((frame["score"] + rng.normal(0, 0.1 + shift, n)) > 0.5).astype(int)
    return frame


def csv_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()


@pytest.fixture
def version(personas):
    from registry import services

    model = services.model_create(actor=personas.scientist, name="churn", team=personas.team, risk_tier="high")
    return services.version_create(model=model, actor=personas.scientist, source_uri="s3://models/churn/1")


@pytest.fixture
def reference(version, personas):
    from monitoring import services

    return services.dataset_upload(
        version=version,
        kind="reference",
        data=csv_bytes(make_frame(with_quality=True)),
        filename="ref.csv",
        actor=personas.scientist,
        roles={"target": "label", "prediction": "pred"},
    )


@pytest.fixture
def upload(personas, django_capture_on_commit_callbacks):
    """Upload a current batch as the team's scientist, running the after-commit work (the drift check) now."""
    from monitoring import services

    def _upload(version, frame, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.dataset_upload(
                version=version,
                kind="current",
                data=csv_bytes(frame),
                filename="cur.csv",
                actor=personas.scientist,
                **kwargs,
            )

    return _upload
