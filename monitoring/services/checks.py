"""Drift checks: create and queue, run (the task calls ``check_run``), store one result, fail, Evidently's report."""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from mlops_gov.actors import Actor
from mlops_gov.errors import ConflictError, DomainError
from mlops_gov.jobs import JobStatus
from monitoring import permissions, selectors, tasks
from monitoring.domain.check import excluded_columns, plan_columns
from monitoring.domain.coltypes import ColumnTyping, TypingError, check_kind_fits, typing_from_schema
from monitoring.domain.distribution import distribution
from monitoring.domain.drift import DriftConfig, DriftError, DriftResult, compute_drift, evidently_html_report
from monitoring.domain.profile import KINDS, ColumnSpec
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
    actor: Actor | None = None,
    trigger: str = "manual",
    enqueue: bool = True,
) -> DriftCheck:
    if actor is not None and trigger == "manual":
        require(permissions.can_run_checks(actor, version.model), "Only the model's team may run its checks.")
    if current.version_id != version.pk or current.kind != DatasetKind.CURRENT:
        raise DomainError("The check needs a current batch of this version.")
    if current.reference is None:
        raise DomainError("The current batch has no reference dataset to compare with.")
    config = drift_config_validate(selectors.config_for(version.model).drift_config or {})
    if config.get("seed") is None:  # stored with the check: a re-run of it gives the same order-dependent scores
        config["seed"] = secrets.randbelow(2**32)
    if trigger == "manual":  # a configuration that cannot apply to these columns is refused before anything is queued
        try:
            check_plan(current.reference, current, DriftConfig.from_dict(config))
        except DriftError as exc:
            raise DomainError(str(exc)) from None
    per_shard = settings.MLOPS_GOV["DRIFT_SHARD_COLUMNS"]
    check = DriftCheck.objects.create(
        version=version,
        reference=current.reference,
        current=current,
        config=config,
        requested_by=actor if getattr(actor, "pk", None) else None,
        trigger=trigger,
        shard_columns=per_shard if len(storage.feature_specs(current.reference)) > per_shard else None,
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


def check_plan(reference: Dataset, current: Dataset, config: DriftConfig) -> list[ColumnTyping]:
    """The typing of a check (from the current batch by default, as Evidently; ``typing_from``, ``column_types`` and
    ``timestamp`` in the configuration), validated against the configuration. Raises ``DriftError`` naming the column
    when the configuration cannot apply."""
    exclude = set(excluded_columns(config, reference.roles.values()))
    ref_typing = [t for t in typing_from_schema(reference.schema, "reference") if t.name not in exclude]
    cur_typing = [t for t in typing_from_schema(current.schema, "current") if t.name not in exclude]
    if config.timestamp and config.timestamp not in {t.name for t in ref_typing} | exclude:
        raise DriftError(f"The timestamp column {config.timestamp!r} is not a column of the reference.")
    unknown = sorted(set(config.column_types) - {t.name for t in ref_typing})
    if unknown:
        raise DriftError(f"column_types names {', '.join(map(repr, unknown))}, not a feature column of the reference.")
    configured = {
        t.name: ColumnTyping(t.name, config.column_types[t.name], t.evidently, "configured", "configured", t.dtype)
        for t in ref_typing
        if t.name in config.column_types
    }
    ref_typing = [configured.get(t.name, t) for t in ref_typing]
    cur_typing = [configured.get(t.name, t) for t in cur_typing]
    typing = plan_columns(ref_typing, cur_typing, config)
    for typed in typing:
        if typed.source == "configured":
            try:
                check_kind_fits(typed.name, typed.kind, typed.dtype)
            except TypingError as exc:
                raise DriftError(str(exc)) from None
    kinds = {t.name: t.kind for t in typing if t.checked}
    if not kinds:
        raise DriftError("No column to check: every column is a role, a timestamp or of a kind that is not checked.")
    config.check_columns(kinds)
    return typing


def check_specs(check: DriftCheck) -> list[ColumnSpec]:
    """The columns a check compares and their kinds, from the typing stored when it started (a check stored before
    typing was kept: the reference's schema)."""
    specs = [ColumnSpec(t["name"], t["kind"]) for t in check.typing or [] if t["kind"] in KINDS]
    return specs or storage.feature_specs(check.reference)


def reference_texts(check: DriftCheck) -> Callable[[str], pd.Series]:
    """Column name -> the reference's values in their stored order (text drift needs the texts, not a profile)."""

    def read(name: str) -> pd.Series:
        return storage.read_frame(check.reference, columns=[name])[name]

    return read


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
    try:  # before any data is read: a configuration that cannot apply fails the check with its one-line reason
        typing = check_plan(check.reference, check.current, DriftConfig.from_dict(check.config))
    except DriftError as exc:
        check_fail(check_id=check_id, message=str(exc))
        return True
    check.typing = [t.to_dict() for t in typing]
    DriftCheck.objects.filter(pk=check_id).update(typing=check.typing)
    if check.shard_columns:
        # Wide checks: a Celery group of column chunks on any workers; the last part to finish merges.
        shards.fan_out(check, hold_seconds=hold_seconds)
        return True
    if hold_seconds:
        time.sleep(min(float(hold_seconds), 600.0))
    try:
        reference, current = check.reference, check.current
        specs = check_specs(check)
        names = [s.name for s in specs]
        roles = current.roles
        quality_columns = [roles[r] for r in ("target", "prediction") if r in roles]
        frame = storage.read_frame(current, columns=names + [c for c in quality_columns if c not in names])
        DriftCheck.set_progress(check_id, 5)
        profile = storage.read_profile(reference)
        DriftCheck.set_progress(check_id, 10)

        def progress(percent: int) -> None:
            DriftCheck.set_progress(check_id, 10 + int(percent * 0.7))

        result = compute_drift(
            profile,
            frame[names],
            DriftConfig.from_dict(check.config),
            kinds={s.name: s.kind for s in specs},
            reference_text=reference_texts(check),
            progress=progress,
        )
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
    except DriftError as exc:  # input that cannot be checked: the reason, in one line, is the whole story
        check_fail(check_id=check_id, message=str(exc))
        return True
    except Exception as exc:
        logger.exception("drift check %s failed", check_id)
        check_fail(check_id=check_id, message=f"{type(exc).__name__}: {exc}")
        return True
    return _check_store(check, attempt, result, rows, quality, mq)


@transaction.atomic
def _check_store(
    check: DriftCheck,
    attempt: int,
    result: DriftResult,
    rows: list[ColumnResult],
    quality: dict[str, Any],
    mq: dict[str, Any],
) -> bool:
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
            cached: str = handle.read().decode("utf-8")
            return cached
    specs = check_specs(check)
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
