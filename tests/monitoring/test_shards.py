"""Column-sharded drift checks: the same verdicts, scores, previews and data quality as the single-task path, a
failing part fails the check once, and lost parts are recovered by the sweep."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from monitoring import services, tasks
from monitoring.models import ColumnResult, DriftCheck, DriftCheckShard
from registry.models import AuditEvent
from tests.monitoring.factories import csv_bytes

pytestmark = pytest.mark.django_db


def wide_frame(n: int, *, shift: float = 0.0, seed: int = 1) -> pd.DataFrame:
    """Nine numeric and four categorical columns, some shifted, with a few duplicated rows and missing values."""
    rng = np.random.default_rng(seed)
    data: dict[str, object] = {}
    for i in range(9):
        data[f"x{i}"] = rng.normal(shift * (i % 3), 1 + i / 10, n).round(3)
    for i in range(4):
        data[f"c{i}"] = rng.choice(
            list("abcde"), n, p=[0.4, 0.3, 0.1, 0.1, 0.1] if i % 2 == 0 or not shift else [0.1, 0.1, 0.1, 0.3, 0.4]
        )
    frame = pd.DataFrame(data)
    frame.iloc[5] = frame.iloc[4]
    frame.iloc[7] = frame.iloc[4]
    frame.loc[3, "x1"] = np.nan
    frame["label"] = rng.integers(0, 2, n)
    frame["pred"] = np.where(rng.random(n) < 0.8, frame["label"], 1 - frame["label"])
    return frame


def upload_wide(personas, *, reference_rows: int = 600, current_rows: int = 500, seed: int = 7):
    """A model version with a wide reference (target and prediction) and a shifted current batch, unchecked."""
    from registry import services as registry_services

    model = registry_services.model_create(actor=personas.scientist, name="wide", team=personas.team)
    version = registry_services.version_create(model=model, actor=personas.scientist, source_uri="s3://m/wide/1")
    services.dataset_upload(
        version=version,
        kind="reference",
        data=csv_bytes(wide_frame(reference_rows)),
        filename="ref.csv",
        actor=personas.scientist,
        roles={"target": "label", "prediction": "pred"},
    )
    current = services.dataset_upload(
        version=version,
        kind="current",
        data=csv_bytes(wide_frame(current_rows, shift=0.4, seed=seed)),
        filename="cur.csv",
        actor=personas.scientist,
        trigger_check=False,
    )
    return version, current


@pytest.fixture
def wide(personas):
    return upload_wide(personas)


def _run(version, current, personas, settings, per_shard: int) -> DriftCheck:
    settings.MLOPS_GOV = {**settings.MLOPS_GOV, "DRIFT_SHARD_COLUMNS": per_shard}
    check = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    services.check_run(check_id=check.pk)
    check.refresh_from_db()
    return check


def _columns(check: DriftCheck) -> list[tuple]:
    return list(
        ColumnResult.objects.filter(check_run=check)
        .order_by("id")
        .values_list("column", "kind", "method", "threshold", "score", "detected", "distribution")
    )


def test_sharded_check_equals_the_single_task_check(wide, personas, settings, django_capture_on_commit_callbacks):
    version, current = wide
    single = _run(version, current, personas, settings, per_shard=1000)
    with django_capture_on_commit_callbacks(execute=True):
        sharded = _run(version, current, personas, settings, per_shard=3)
    assert single.shard_columns is None and sharded.shard_columns == 3
    assert sharded.status == "succeeded", sharded.error
    # 13 feature columns in chunks of 3 -> 5 column parts, plus the rows part.
    parts = list(DriftCheckShard.objects.filter(check_run=sharded).order_by("index"))
    assert [p.role for p in parts] == ["columns"] * 5 + ["rows"] and all(p.status == "succeeded" for p in parts)
    assert [len(p.columns) for p in parts[:5]] == [3, 3, 3, 3, 1]
    assert _columns(sharded) == _columns(single)
    for field in ("dataset_drift", "drifted_count", "column_count", "drift_share", "drift_share_threshold"):
        assert getattr(sharded, field) == getattr(single, field), field
    assert sharded.data_quality == single.data_quality and sharded.data_quality["duplicate_rows"] >= 2
    assert sharded.model_quality == single.model_quality and sharded.model_quality
    assert sharded.drifted_count > 0 and sharded.progress == 100
    # Duplicate rows come from the column parts' row hashes (no part reads every column); their files are gone.
    assert parts[-1].columns and "duplicate_rows" not in parts[-1].result
    hash_files = [part.result["row_hashes"] for part in parts[:5]]
    assert len(set(hash_files)) == 5 and not any(default_storage.exists(name) for name in hash_files)
    assert AuditEvent.objects.filter(action="drift_check.succeeded", object_id=str(sharded.pk)).count() == 1


def test_a_failing_part_fails_the_check_once_with_its_reason(wide, personas, settings, monkeypatch):
    version, current = wide
    from monitoring.services import shards

    def broken(*args, **kwargs):
        raise ValueError("Column 'x4' exploded")

    monkeypatch.setattr(shards, "compute_drift", broken)
    check = _run(version, current, personas, settings, per_shard=3)
    assert check.status == "failed" and "Column 'x4' exploded" in check.error
    assert AuditEvent.objects.filter(action="drift_check.failed", object_id=str(check.pk)).count() == 1
    assert not ColumnResult.objects.filter(check_run=check).exists()


def test_merge_waits_for_every_part_and_a_redelivered_part_does_nothing(wide, personas, settings, monkeypatch):
    version, current = wide
    settings.MLOPS_GOV = {**settings.MLOPS_GOV, "DRIFT_SHARD_COLUMNS": 5}
    sent: list[list[int]] = []
    monkeypatch.setattr(tasks, "enqueue_drift_shards", lambda ids, **kw: sent.append(list(ids)))
    check = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    assert services.check_run(check_id=check.pk) is True
    ids = sent[0]
    assert len(ids) == 4  # 13 columns in chunks of 5 -> 3 column parts + the rows part
    for pk in ids[:-1]:
        assert services.shard_run(shard_id=pk) is True
        assert DriftCheck.objects.get(pk=check.pk).status == "running"
    assert DriftCheck.objects.get(pk=check.pk).progress == 10 + int(80 * 3 / 4)
    assert services.shard_run(shard_id=ids[-1]) is True
    assert DriftCheck.objects.get(pk=check.pk).status == "succeeded"
    assert services.shard_run(shard_id=ids[0]) is False, "a finished part is not run twice"
    assert ColumnResult.objects.filter(check_run=check).count() == 13


def test_sweep_requeues_lost_parts_and_a_rerun_check_reuses_its_parts(wide, personas, settings, monkeypatch):
    version, current = wide
    settings.MLOPS_GOV = {**settings.MLOPS_GOV, "DRIFT_SHARD_COLUMNS": 7}
    sent: list[list[int]] = []
    monkeypatch.setattr(tasks, "enqueue_drift_shards", lambda ids, **kw: sent.append(list(ids)))
    monkeypatch.setattr(tasks.run_drift_check, "delay", lambda pk: None)
    check = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    services.check_run(check_id=check.pk)
    rows, first, second = sent[0]  # the rows part is queued first: it must not run alone at the end
    assert services.shard_run(shard_id=first) is True
    # The worker running the second part died (lease expired); the rows part waited in a lost queue.
    past = timezone.now() - timedelta(seconds=1)
    DriftCheckShard.objects.filter(pk=second).update(status="running", attempts=1, lease_expires_at=past)
    DriftCheckShard.objects.filter(pk=rows).update(created_at=timezone.now() - timedelta(hours=1))
    sent.clear()
    services.sweep()
    assert sorted(pk for batch in sent for pk in batch) == sorted([second, rows])
    for pk in (second, rows):
        services.shard_run(shard_id=pk)
    check.refresh_from_db()
    assert check.status == "succeeded" and DriftCheckShard.objects.filter(check_run=check).count() == 3
    # A part lost on its last attempt fails the check instead of leaving it running.
    other = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    services.check_run(check_id=other.pk)
    part = DriftCheckShard.objects.filter(check_run=other).order_by("index").first()
    DriftCheckShard.objects.filter(pk=part.pk).update(
        status="running", attempts=DriftCheckShard.MAX_ATTEMPTS, lease_expires_at=past
    )
    services.sweep()
    other.refresh_from_db()
    assert other.status == "failed" and "too many times" in other.error
