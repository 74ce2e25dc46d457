"""The periodic sweep (celery beat): recover abandoned jobs of every kind, run due checks, retry deliveries,
stale-data alerts."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from mlops_gov.jobs import register_job_kind, sweep_jobs
from monitoring import selectors, tasks
from monitoring.models import (
    AlertKind,
    Dataset,
    DatasetImport,
    DatasetKind,
    Delivery,
    DeliveryStatus,
    DriftCheck,
    DriftCheckShard,
)
from monitoring.services.alerts import alert_raise, enqueue_deliveries
from monitoring.services.checks import check_create, check_fail, enqueue_check
from monitoring.services.imports import dataset_import_fail, enqueue_import
from monitoring.services.shards import shard_fail
from registry.choices import Stage
from registry.models import ModelVersion


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic sweep: recover abandoned jobs (mlops_gov.jobs.sweep_jobs: every registered kind), run due checks,
    retry deliveries, raise stale-data alerts."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "checks_created": 0, "deliveries": 0, "stale": 0}
    # Jobs of every kind whose worker died (drift checks and their parts, imports, reports: mlops_gov.jobs): re-run
    # while attempts remain, fail the rest.
    for kind in sweep_jobs(now=now).values():
        counts["requeued"] += kind["requeued"]
        counts["failed"] += kind["failed"]
    # Current batches of production versions that never got a check (e.g. uploaded with checks off, or lost).
    due = Dataset.objects.filter(
        kind=DatasetKind.CURRENT,
        version__stage=Stage.PRODUCTION,
        current_checks__isnull=True,
        created_at__gte=now - timedelta(days=2),
    ).filter(Q(version__model__monitoring__isnull=True) | Q(version__model__monitoring__check_on_upload=True))
    for dataset in due.select_related("version"):
        check_create(version=dataset.version, current=dataset, trigger="sweep")
        counts["checks_created"] += 1
    for pk in (
        Delivery.objects.filter(status=DeliveryStatus.PENDING)
        .filter(
            Q(next_attempt_at__isnull=True, created_at__lt=now - timedelta(minutes=2)) | Q(next_attempt_at__lte=now)
        )
        .values_list("pk", flat=True)[:500]
    ):
        enqueue_deliveries([pk])
        counts["deliveries"] += 1
    counts["stale"] = stale_data_alerts(now=now)
    return counts


def _enqueue_shard(shard_id: int) -> None:
    tasks.enqueue_drift_shards([shard_id])


_LOST = "The worker stopped while running this {} (killed or timed out) too many times."


def register_job_kinds() -> None:
    """The monitoring app's job kinds, for the one job sweep (called from ``MonitoringConfig.ready``)."""
    register_job_kind(
        DriftCheck, requeue=enqueue_check, fail=lambda pk, _m: check_fail(check_id=pk, message=_LOST.format("check"))
    )
    register_job_kind(
        DatasetImport,
        requeue=enqueue_import,
        fail=lambda pk, _m: dataset_import_fail(import_id=pk, message=_LOST.format("import")),
    )
    register_job_kind(
        DriftCheckShard,
        requeue=_enqueue_shard,
        fail=lambda pk, _m: shard_fail(shard_id=pk, message=_LOST.format("part of a check")),
    )


def stale_data_alerts(*, now: datetime | None = None) -> int:
    """A production version with no new current batch within its model's window raises one alert per gap."""
    now = now or timezone.now()
    raised = 0
    versions = (
        ModelVersion.objects.filter(stage=Stage.PRODUCTION)
        .select_related("model")
        .annotate(last_batch=Max("datasets__created_at", filter=Q(datasets__kind=DatasetKind.CURRENT)))
    )
    for version in versions:
        window = timedelta(hours=selectors.config_for(version.model).stale_after_hours)
        since = version.last_batch or version.stage_changed_at or version.created_at
        if since is None or now - since <= window:
            continue
        key = f"stale:{version.pk}:{since.isoformat()}"
        hours = int((now - since).total_seconds() // 3600)
        alert = alert_raise(
            kind=AlertKind.STALE_DATA,
            model=version.model,
            version=version,
            dedup_key=key,
            message=f"No new data for {version} for {hours} hours (window {window.total_seconds() / 3600:.0f} h).",
        )
        raised += alert is not None
    return raised
