"""The periodic sweep (celery beat): recover abandoned checks, run due checks, retry deliveries, stale-data alerts."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from mlops_gov.jobs import Job, JobStatus
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

REQUEUE_QUEUED_AFTER = timedelta(minutes=10)


def sweep(*, now=None) -> dict[str, int]:
    """The periodic sweep: recover abandoned checks, run due checks, retry deliveries, raise stale-data alerts."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "checks_created": 0, "deliveries": 0, "stale": 0}
    # Jobs whose worker died: re-run while attempts remain, fail the rest.
    lost = "The worker stopped while running this {} (killed or timed out) too many times."
    for job_model, enqueue, fail, noun in (
        (DriftCheck, enqueue_check, lambda pk, m: check_fail(check_id=pk, message=m), "check"),
        (DatasetImport, enqueue_import, lambda pk, m: dataset_import_fail(import_id=pk, message=m), "import"),
        (DriftCheckShard, _enqueue_shard, lambda pk, m: shard_fail(shard_id=pk, message=m), "part of a check"),
    ):
        requeued, failed = _recover(job_model, now=now)
        for pk in requeued:
            enqueue(pk)
        for pk in failed:
            fail(pk, lost.format(noun))
        counts["requeued"] += len(requeued)
        counts["failed"] += len(failed)
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


def _recover(job_model: type[Job], *, now: datetime) -> tuple[list[int], list[int]]:
    """Ids to queue again (lease expired with attempts left, or queued too long) and ids to fail (no attempts left)."""
    expired = Q(status=JobStatus.RUNNING, lease_expires_at__lt=now)
    requeue = job_model.objects.filter(
        (expired & Q(attempts__lt=job_model.MAX_ATTEMPTS))
        | Q(status=JobStatus.QUEUED, created_at__lt=now - REQUEUE_QUEUED_AFTER)
    )
    give_up = job_model.objects.filter(expired, attempts__gte=job_model.MAX_ATTEMPTS)
    return list(requeue.values_list("pk", flat=True)), list(give_up.values_list("pk", flat=True))


def stale_data_alerts(*, now=None) -> int:
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
