"""Monitoring fixtures: a model version owned by the personas' team, and data builders."""

from __future__ import annotations

import pytest

from tests.monitoring.factories import csv_bytes, make_frame


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
