"""Drift checks: create and queue, run (the task calls ``check_run``), store one result, fail, Evidently's report."""

from __future__ import annotations

import logging
import time
import uuid

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from mlops_gov.errors import ConflictError, DomainError
from mlops_gov.jobs import JobStatus
from monitoring import permissions, selectors, tasks
from monitoring.domain.distribution import distribution
from monitoring.domain.drift import DriftConfig, compute_drift, evidently_html_report
from monitoring.domain.quality import data_quality
from monitoring.models import AlertKind, ColumnResult, Dataset, DatasetKind, DriftCheck
from monitoring.services import shards, storage
from monitoring.services.alerts import alert_raise
from monitoring.services.common import require
from monitoring.services.config import drift_config_validate
from registry.audit import audit_record
from registry.models import ModelVersion

logger = logging.getLogger(__name__)


@transaction.atomic
def check_create(
    *,
    version: ModelVersion,
    current: Dataset,
    actor=None,
    trigger: str = "manual",
    enqueue: bool = True,
) -> DriftCheck:
    if actor is not None and trigger == "manual":
        require(permissions.can_run_checks(actor, version.model), "Only the model's team may run its checks.")
    if current.version_id != version.pk or current.kind != DatasetKind.CURRENT:
        raise DomainError("The check needs a current batch of this version.")
    config = drift_config_validate(selectors.config_for(version.model).drift_config or {})
    per_shard = settings.MLOPS_GOV["DRIFT_SHARD_COLUMNS"]
    check = DriftCheck.objects.create(
        version=version,
        reference=current.reference,
        current=current,
        config=config,
        requested_by=actor if getattr(actor, "pk", None) else None,
        trigger=trigger,
        shard_columns=per_shard if len(current.reference.schema) > per_shard else None,
    )
    audit_record(
        action="drift_check.queued",
        obj=check,
        model=version.model,
        actor=actor,
        after={"current": current.pk, "reference": current.reference_id, "trigger": trigger},
    )
    if enqueue:
        transaction.on_commit(lambda: enqueue_check(check.pk))
    return check


def enqueue_check(check_id: int) -> None:
    tasks.run_drift_check.delay(check_id)


def check_run(*, check_id: int, hold_seconds: float = 0, interrupts: tuple[type[BaseException], ...] = ()) -> bool:
    """Run a queued check (the task calls this). False when another delivery owns it or it already finished.

    ``hold_seconds`` pauses after the claim: a crash drill (kill the worker mid-check) needs a check that lasts.
    ``interrupts`` are the caller's own stop signals (the task's time limit): they pass through instead of being
    recorded as a failure of the check, so the caller decides what they mean."""
    if not DriftCheck.claim(check_id):
        return False
    check = DriftCheck.objects.select_related("version__model", "reference", "current").get(pk=check_id)
    attempt = check.attempts
    if check.shard_columns:
        # Wide checks: a Celery group of column chunks on any workers; the last part to finish merges.
        shards.fan_out(check, hold_seconds=hold_seconds)
        return True
    if hold_seconds:
        time.sleep(min(float(hold_seconds), 600.0))
    try:
        reference, current = check.reference, check.current
        specs = storage.feature_specs(reference)
        names = [s.name for s in specs]
        roles = current.roles
        quality_columns = [roles[r] for r in ("target", "prediction") if r in roles]
        frame = storage.read_frame(current, columns=names + [c for c in quality_columns if c not in names])
        DriftCheck.set_progress(check_id, 5)
        profile = storage.read_profile(reference)
        DriftCheck.set_progress(check_id, 10)

        def progress(percent: int) -> None:
            DriftCheck.set_progress(check_id, 10 + int(percent * 0.7))

        result = compute_drift(profile, frame[names], DriftConfig.from_dict(check.config), progress=progress)
        DriftCheck.set_progress(check_id, 82)
        quality = data_quality(profile, frame[names], specs, type_mismatches=current.type_mismatches)
        mq = shards.model_quality_against_reference(check, frame)
        DriftCheck.set_progress(check_id, 90)
        drifted = [c.column for c in result.columns if c.detected]
        ref_drifted = storage.read_frame(reference, columns=drifted) if drifted else pd.DataFrame()
        kinds = {s.name: s.kind for s in specs}
        rows = [
            ColumnResult(
                check_run_id=check_id,
                column=c.column,
                kind=c.kind,
                method=c.method,
                threshold=float(c.threshold),
                score=float(c.score),
                detected=bool(c.detected),
                distribution=distribution(kinds[c.column], ref_drifted[c.column], frame[c.column])
                if c.detected
                else {},
            )
            for c in result.columns
        ]
    except interrupts:
        raise
    except Exception as exc:
        logger.exception("drift check %s failed", check_id)
        check_fail(check_id=check_id, message=f"{type(exc).__name__}: {exc}")
        return True
    return _check_store(check, attempt, result, rows, quality, mq)


@transaction.atomic
def _check_store(check: DriftCheck, attempt: int, result, rows: list[ColumnResult], quality, mq) -> bool:
    locked = DriftCheck.objects.select_for_update().get(pk=check.pk)
    if locked.status != JobStatus.RUNNING or locked.attempts != attempt:
        return False  # another delivery took over or finished it: one result only
    ColumnResult.objects.filter(check_run=locked).delete()
    ColumnResult.objects.bulk_create(rows)
    now = timezone.now()
    locked.status, locked.progress, locked.finished_at, locked.lease_expires_at = JobStatus.SUCCEEDED, 100, now, None
    locked.dataset_drift = bool(result.dataset_drift)
    locked.drifted_count = int(result.drifted_count)
    locked.column_count = len(result.columns)
    locked.drift_share = float(result.share)
    locked.drift_share_threshold = float(result.drift_share)
    locked.data_quality, locked.model_quality, locked.error = quality, mq, ""
    locked.save()
    model = locked.version.model
    audit_record(
        action="drift_check.succeeded",
        obj=locked,
        model=model,
        after={
            "dataset_drift": locked.dataset_drift,
            "drift_share": locked.drift_share,
            "drifted_columns": [r.column for r in rows if r.detected],
            "duplicate_rows": quality.get("duplicate_rows"),
            "model_quality_degraded": bool(mq.get("degraded")),
        },
    )
    if locked.dataset_drift:
        alert_raise(
            kind=AlertKind.DRIFT,
            model=model,
            version=locked.version,
            check=locked,
            dedup_key=f"drift:{locked.pk}",
            message=f"Data drift on {locked.version}: {locked.drifted_count} of {locked.column_count} columns drifted "
            f"(share {locked.drift_share:.2f} >= {locked.drift_share_threshold:.2f}).",
        )
    if mq.get("degraded"):
        worse = ", ".join(m["metric"] for m in mq["metrics"] if m["degraded"])
        alert_raise(
            kind=AlertKind.QUALITY,
            model=model,
            version=locked.version,
            check=locked,
            dedup_key=f"quality:{locked.pk}",
            message=f"Model quality degraded on {locked.version}: {worse}.",
        )
    return True


@transaction.atomic
def check_fail(*, check_id: int, message: str) -> None:
    DriftCheck.mark_failed(check_id, message)
    check = DriftCheck.objects.select_related("version__model").get(pk=check_id)
    audit_record(action="drift_check.failed", obj=check, model=check.version.model, after={"error": message[:500]})
    alert_raise(
        kind=AlertKind.CHECK_FAILED,
        model=check.version.model,
        version=check.version,
        check=check,
        dedup_key=f"failed:{check.pk}",
        message=f"Drift check #{check.pk} of {check.version} failed: {message[:300]}",
    )


def check_report_html(check: DriftCheck) -> str:
    """Evidently's own HTML report for a finished check, generated on first request and cached as a file."""
    if check.status != JobStatus.SUCCEEDED:
        raise ConflictError("The report exists once the check has succeeded.")
    if check.report_file:
        with check.report_file.open("rb") as handle:
            return handle.read().decode("utf-8")
    specs = storage.feature_specs(check.reference)
    names = [s.name for s in specs]
    html = evidently_html_report(
        storage.read_frame(check.reference, names),
        storage.read_frame(check.current, names),
        specs,
        DriftConfig.from_dict(check.config),
    )
    name = default_storage.save(
        f"monitoring/reports/check-{check.pk}-{uuid.uuid4().hex[:8]}.html", ContentFile(html.encode())
    )
    updated = DriftCheck.objects.filter(pk=check.pk, report_file="").update(report_file=name)
    if not updated:
        default_storage.delete(name)
    return html


def check_report_build_request(check: DriftCheck) -> bool:
    """Queue Evidently's report for a large check in a worker, once per 15 minutes. True when it is queued now."""
    if check.report_file or check.status != JobStatus.SUCCEEDED:
        return False
    if not cache.add(f"monitoring:report-queued:{check.pk}", True, timeout=900):
        return False
    tasks.build_report.delay(check.pk)
    return True
