"""Issue #18 through the service, the API, the worker path and the check page: a check types its columns from the
current batch (as Evidently does) or from the reference, stores that typing and its seed, runs text drift, and
refuses a configuration that cannot apply with one line naming the column: a 400 for a manual check, a failed check
with that reason for an automatic one, never a traceback."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from django.urls import reverse

from mlops_gov.errors import DomainError
from monitoring import services
from monitoring.models import DriftCheck
from tests.monitoring.factories import csv_bytes

pytestmark = pytest.mark.django_db


def frames(n: int = 1200, seed: int = 1, shift: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = ["loan", "card", "fee", "rate", "branch", "online", "balance", "credit"]
    return pd.DataFrame(
        {
            "amount": rng.normal(100 + shift, 10, n),
            "codes": rng.integers(0, 15 - 8 * bool(shift), n),  # 15 distinct in the reference, 7 in a shifted batch
            "note": [" ".join(rng.choice(words, 5)) + f" #{i}" for i in range(n)],
        }
    )


def upload(version, personas, frame: pd.DataFrame, kind: str, name: str = "data.csv", **kwargs):
    return services.dataset_upload(
        version=version,
        kind=kind,
        data=csv_bytes(frame) if name.endswith(".csv") else frame,
        filename=name,
        actor=personas.scientist,
        **kwargs,
    )


def run_check(version, personas, current, trigger="manual") -> DriftCheck:
    check = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    services.check_run(check_id=check.pk)
    return DriftCheck.objects.get(pk=check.pk)


def test_a_check_types_from_the_current_batch_and_stores_typing_and_seed(version, personas):
    upload(version, personas, frames(), "reference")
    current = upload(version, personas, frames(seed=2, shift=1), "current", trigger_check=False)
    check = run_check(version, personas, current)
    assert check.status == "succeeded", check.error
    kinds = {c.column: (c.kind, c.method) for c in check.columns.all()}
    assert kinds == {
        "amount": ("numerical", "Wasserstein distance (normed)"),
        "codes": ("categorical", "Jensen-Shannon distance"),  # 7 distinct integers in the batch: categorical
        "note": ("text", "Absolute text content drift"),
    }
    typing = {t["name"]: t for t in check.typing}
    assert typing["codes"]["rule"] == "int64 with 7 distinct values (<= 10): categorical"
    assert typing["codes"]["source"] == "current" and typing["note"]["evidently"] == "text"
    assert isinstance(check.config["seed"], int)

    services.config_update(model=version.model, actor=personas.scientist, drift_config={"typing_from": "reference"})
    by_reference = run_check(version, personas, current)
    assert {c.column: c.kind for c in by_reference.columns.all()}["codes"] == "numerical"


def test_a_stored_seed_reproduces_an_order_dependent_score(version, personas):
    rng = np.random.default_rng(3)
    upload(version, personas, pd.DataFrame({"x": rng.normal(size=90)}), "reference")
    current = upload(version, personas, pd.DataFrame({"x": rng.normal(0.2, size=90)}), "current", trigger_check=False)
    config = {"num_stattest": "empirical_mmd"}
    services.config_update(model=version.model, actor=personas.scientist, drift_config=config)
    check = run_check(version, personas, current)
    first = check.columns.get().score
    DriftCheck.objects.filter(pk=check.pk).update(status="queued", attempts=0)  # the same stored check, run again
    services.check_run(check_id=check.pk)
    assert DriftCheck.objects.get(pk=check.pk).columns.get().score == first


def test_a_configuration_that_cannot_apply_is_refused_naming_the_column(version, personas, api):
    upload(version, personas, frames(), "reference")
    current = upload(version, personas, frames(seed=2), "current", trigger_check=False)
    services.config_update(
        model=version.model, actor=personas.scientist, drift_config={"per_column_stattest": {"note": "wasserstein"}}
    )
    with pytest.raises(DomainError, match=r"Column 'note' is text: stat test 'wasserstein'"):
        services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    response = api(personas.scientist).post(
        "/api/v1/drift-checks/", {"model": "churn", "version": 1, "current": current.pk}
    )
    assert response.status_code == 400 and "Column 'note' is text" in str(response.data)
    automatic = services.check_create(version=version, current=current, trigger="upload", enqueue=False)
    services.check_run(check_id=automatic.pk)
    automatic.refresh_from_db()
    assert automatic.status == "failed" and automatic.error.startswith("Column 'note' is text: stat test")
    assert "\n" not in automatic.error and "Traceback" not in automatic.error


def test_an_all_infinite_column_never_reaches_a_traceback(version, personas, api):
    rng = np.random.default_rng(4)
    good = pd.DataFrame({"x": rng.normal(size=50), "y": rng.normal(size=50)})
    bad = good.assign(y=np.inf)
    response = api(personas.scientist).post(
        "/api/v1/datasets/",
        {"model": "churn", "version": 1, "kind": "reference", "file": _file(bad)},
        format="multipart",
    )
    assert response.status_code == 400 and "Column 'y' has no usable value in the reference" in str(response.data)
    upload(version, personas, good, "reference")
    current = upload(version, personas, bad, "current", trigger_check=False)
    check = run_check(version, personas, current)
    assert check.status == "failed" and check.error.startswith("Column 'y' has no usable value in the current data")


def _file(frame: pd.DataFrame):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("data.csv", csv_bytes(frame))


def test_datetime_columns_are_kept_not_checked_and_the_page_shows_the_typing(version, personas, client):
    def parquet(frame: pd.DataFrame) -> bytes:
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        return buffer.getvalue()

    reference = frames(600).assign(when=pd.date_range("2024-01-01", periods=600, freq="h"))
    current = frames(600, seed=5, shift=1).assign(when=pd.date_range("2025-01-01", periods=600, freq="h"))
    stored = upload(version, personas, parquet(reference), "reference", name="ref.parquet")
    assert "when" in [c["name"] for c in stored.schema] and stored.feature_names == ["amount", "codes", "note"]
    batch = upload(version, personas, parquet(current), "current", name="cur.parquet", trigger_check=False)
    check = run_check(version, personas, batch)
    assert check.status == "succeeded", check.error
    assert "when" not in {c.column for c in check.columns.all()}
    assert {t["name"]: t["kind"] for t in check.typing}["when"] == "datetime"
    client.force_login(personas.scientist)
    html = client.get(reverse("monitoring:check-detail", args=[check.pk])).content.decode()
    assert 'data-testid="typing-table"' in html and "datetime (not checked)" in html
    assert "int64 with 7 distinct values (&lt;= 10): categorical" in html
    assert f"seed of the order-dependent tests: {check.config['seed']}" in html
