"""A REAL Celery worker runs checks; SIGKILLed mid-check, the job is recovered (re-run by the sweep on a fresh
worker) and never left running."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring import services
from monitoring.models import ColumnResult, DriftCheck
from tests.monitoring.factories import csv_bytes, make_frame

pytestmark = pytest.mark.integration


def wait_for(predicate, timeout: float = 120.0, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")


def _setup(personas, rows: int):
    from registry import services as registry_services

    model = registry_services.model_create(actor=personas.scientist, name="churn", team=personas.team)
    version = registry_services.version_create(model=model, actor=personas.scientist, source_uri="s3://m/1")
    services.dataset_upload(
        version=version, kind="reference", data=csv_bytes(make_frame(rows)), filename="r.csv", actor=personas.scientist
    )
    current = services.dataset_upload(
        version=version,
        kind="current",
        data=csv_bytes(make_frame(rows, shift=0.5, seed=4)),
        filename="c.csv",
        actor=personas.scientist,
        trigger_check=False,
    )
    return version, current


def test_worker_runs_a_check(celery_worker, personas):
    version, current = _setup(personas, 300)
    check = services.check_create(version=version, current=current, actor=personas.scientist)
    wait_for(lambda: DriftCheck.objects.get(pk=check.pk).is_finished)
    check.refresh_from_db()
    assert check.status == "succeeded", check.error or celery_worker.log()
    assert ColumnResult.objects.filter(check_run=check).count() == 4


def test_worker_killed_mid_check_is_recovered(celery_worker, personas, monkeypatch):
    version, current = _setup(personas, 300)
    # Hold the first attempt in the worker long enough to kill it there: the worker reads this setting.
    check = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    from monitoring.tasks import run_drift_check

    run_drift_check.apply_async(args=[check.pk], kwargs={"hold_seconds": 60})
    wait_for(lambda: DriftCheck.objects.get(pk=check.pk).status == "running")
    celery_worker.kill()
    check.refresh_from_db()
    assert check.status == "running" and check.attempts == 1
    # The lease expires (time travel rather than sleeping 35 minutes); a new worker is started; the sweep re-runs it.
    DriftCheck.objects.filter(pk=check.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    celery_worker.start()
    counts = services.sweep()
    assert counts["requeued"] == 1
    wait_for(lambda: DriftCheck.objects.get(pk=check.pk).is_finished)
    check.refresh_from_db()
    assert check.status == "succeeded" and check.attempts == 2, check.error or celery_worker.log()
    assert ColumnResult.objects.filter(check_run=check).count() == 4


def test_worker_killed_mid_shard_is_recovered_and_the_wide_check_finishes(celery_worker, personas):
    from monitoring.models import DriftCheckShard
    from monitoring.tasks import run_drift_check
    from tests.monitoring.test_shards import upload_wide

    version, current = upload_wide(personas, reference_rows=400, current_rows=400, seed=3)
    check = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    DriftCheck.objects.filter(pk=check.pk).update(shard_columns=5)
    # The worker splits the check into parts and holds the first one queued (the rows part) long enough to kill the
    # worker there.
    run_drift_check.apply_async(args=[check.pk], kwargs={"hold_seconds": 60})
    first = wait_for(
        lambda: DriftCheckShard.objects.filter(check_run_id=check.pk, role="rows", status="running").first()
    )
    celery_worker.kill()
    assert DriftCheck.objects.get(pk=check.pk).status == "running"
    past = timezone.now() - timedelta(hours=1)
    DriftCheckShard.objects.filter(pk=first.pk).update(lease_expires_at=past)
    DriftCheckShard.objects.filter(check_run_id=check.pk, status="queued").update(created_at=past)
    celery_worker.start()
    counts = services.sweep()
    assert counts["requeued"] >= 1
    wait_for(lambda: DriftCheck.objects.get(pk=check.pk).is_finished)
    check.refresh_from_db()
    assert check.status == "succeeded", check.error or celery_worker.log()
    assert DriftCheckShard.objects.get(pk=first.pk).attempts == 2
    assert ColumnResult.objects.filter(check_run=check).count() == 13 and check.model_quality
