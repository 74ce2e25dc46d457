"""Monitoring services: every write of the monitoring app (uploads, checks, configs, alerts, deliveries), each in
one transaction with its audit event. Maths lives in ``monitoring.domain``; tasks and views only call these."""

from __future__ import annotations

import io
import logging
import time
import uuid
from datetime import timedelta
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from mlops_gov.errors import ConflictError, DomainError, NotFoundError, PermissionError_
from mlops_gov.jobs import JobStatus
from monitoring import permissions
from monitoring.domain import ingest
from monitoring.domain.profile import NUMERICAL, ColumnSpec, ReferenceProfile
from monitoring.models import (
    Alert,
    AlertKind,
    AlertRule,
    ColumnResult,
    Dataset,
    DatasetKind,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    DriftCheck,
    MonitoringConfig,
    WebhookEndpoint,
)
from registry.audit import audit_record
from registry.choices import Stage
from registry.models import ModelVersion, RegisteredModel

logger = logging.getLogger(__name__)

# Registry actions forwarded to alert rules (CI/CD pipelines react to them).
GOVERNANCE_EVENTS = (
    "version.created",
    "version.stage_changed",
    "promotion.requested",
    "promotion.approved",
    "promotion.rejected",
    "promotion.applied",
)
DELIVERY_MAX_ATTEMPTS = 5
REQUEUE_QUEUED_AFTER = timedelta(minutes=10)
_HIST_BINS = 20
_TOP_CATEGORIES = 15


def limits() -> ingest.Limits:
    conf = settings.MLOPS_GOV
    return ingest.Limits(conf["UPLOAD_MAX_BYTES"], conf["UPLOAD_MAX_ROWS"], conf["UPLOAD_MAX_COLUMNS"])


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionError_(message)


# --- configuration ------------------------------------------------------------------------------------------------


def drift_config_validate(data: Any) -> dict[str, Any]:
    from monitoring.domain.drift import DriftConfig

    if not isinstance(data, dict):
        raise DomainError("The drift configuration must be a JSON object.")
    try:
        return DriftConfig.from_dict(data).to_dict()
    except (ValueError, TypeError) as exc:
        raise DomainError(f"Invalid drift configuration: {exc}") from None


def config_for(model: RegisteredModel) -> MonitoringConfig:
    config = MonitoringConfig.objects.filter(model=model).first()
    return config or MonitoringConfig(model=model)


@transaction.atomic
def config_update(*, model: RegisteredModel, actor, **changes: Any) -> MonitoringConfig:
    _require(permissions.can_configure(actor, model), "Only the model's team may change its monitoring.")
    allowed = {"drift_config", "quality_thresholds", "check_on_upload", "stale_after_hours"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    if "drift_config" in changes:
        changes["drift_config"] = drift_config_validate(changes["drift_config"])
    if "quality_thresholds" in changes:
        thresholds = changes["quality_thresholds"]
        if not isinstance(thresholds, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in thresholds.values()
        ):
            raise DomainError('Quality thresholds map a metric to a non-negative number, e.g. {"accuracy": 0.05}.')
    config, _ = MonitoringConfig.objects.select_for_update().get_or_create(model=model)
    before = {k: getattr(config, k) for k in changes}
    for key, value in changes.items():
        setattr(config, key, value)
    config.full_clean()
    config.save()
    audit_record(action="monitoring.config_updated", obj=config, model=model, before=before, after=changes, actor=actor)
    return config


# --- datasets -----------------------------------------------------------------------------------------------------


def latest_reference(version: ModelVersion) -> Dataset | None:
    return Dataset.objects.filter(version=version, kind=DatasetKind.REFERENCE).order_by("-created_at", "-id").first()


def _frame_to_parquet(frame: pd.DataFrame) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer, compression="zstd")
    return buffer.getvalue()


def dataset_upload(
    *,
    version: ModelVersion,
    kind: str,
    data: bytes,
    filename: str,
    actor,
    roles: dict[str, str] | None = None,
    reference: Dataset | None = None,
    trigger_check: bool = True,
) -> Dataset:
    """Validate and store a dataset. A reference gets its profile computed once; a current batch must fit the
    reference schema and, when the model's config says so, queues a drift check after commit."""
    _require(permissions.can_upload(actor, version.model), "Only the model's team may upload its data.")
    if kind not in DatasetKind.values:
        raise DomainError(f"Unknown dataset kind '{kind}' (use reference or current).")
    roles = {k: v for k, v in (roles or {}).items() if v}
    if kind == DatasetKind.CURRENT:
        reference = reference or latest_reference(version)
        if reference is None:
            raise ConflictError(f"{version} has no reference dataset yet: upload one first.")
        if reference.version_id != version.pk or reference.kind != DatasetKind.REFERENCE:
            raise DomainError("The reference must be a reference dataset of the same version.")
    try:
        inherited = dict(reference.roles) if kind == DatasetKind.CURRENT and not roles else {}
        table = ingest.read_table(data, filename=filename, limits=limits(), roles=roles, optional_roles=inherited)
        if kind == DatasetKind.CURRENT:
            table = ingest.conform_to_reference(table, reference.schema)
    except ingest.IngestError as exc:
        raise DomainError(str(exc)) from None
    model_quality: dict[str, Any] = {}
    if "target" in table.roles and "prediction" in table.roles:
        from monitoring.domain.quality import model_quality as compute_quality

        try:
            model_quality = compute_quality(
                table.frame, target=table.roles["target"], prediction=table.roles["prediction"]
            )
        except ValueError as exc:
            raise DomainError(f"Target and prediction cannot be compared: {exc}") from None
    stem = uuid.uuid4().hex
    saved: list[str] = []
    try:
        data_name = default_storage.save(
            f"monitoring/datasets/{stem}.parquet", ContentFile(_frame_to_parquet(table.frame))
        )
        saved.append(data_name)
        profile_name = ""
        if kind == DatasetKind.REFERENCE:
            profile = ReferenceProfile.from_frame(table.frame, table.features)
            profile_name = default_storage.save(f"monitoring/profiles/{stem}.profile", ContentFile(profile.to_bytes()))
            saved.append(profile_name)
        with transaction.atomic():
            dataset = Dataset.objects.create(
                version=version,
                kind=kind,
                name=filename[:255],
                source_format=table.source_format,
                file=data_name,
                profile_file=profile_name,
                sha256=table.sha256,
                size_bytes=table.size_bytes,
                n_rows=table.n_rows,
                n_columns=table.n_columns,
                schema=table.schema(),
                roles=table.roles,
                model_quality=model_quality,
                reference=reference if kind == DatasetKind.CURRENT else None,
                uploaded_by=actor,
                type_mismatches=table.type_mismatches,
            )
            audit_record(
                action="dataset.uploaded",
                obj=dataset,
                model=version.model,
                actor=actor,
                after={
                    "version": version.version,
                    "kind": kind,
                    "name": dataset.name,
                    "sha256": dataset.sha256,
                    "rows": dataset.n_rows,
                    "columns": dataset.n_columns,
                    "roles": dataset.roles,
                },
            )
            if kind == DatasetKind.CURRENT and trigger_check and config_for(version.model).check_on_upload:
                check_create(version=version, current=dataset, actor=actor, trigger="upload")
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise
    return dataset


def read_frame(dataset: Dataset, columns: list[str] | None = None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    with dataset.file.open("rb") as handle:
        table = pq.read_table(io.BytesIO(handle.read()), columns=columns)
    return table.to_pandas(ignore_metadata=True)


def read_profile(dataset: Dataset) -> ReferenceProfile:
    with dataset.profile_file.open("rb") as handle:
        return ReferenceProfile.from_bytes(handle.read())


def feature_specs(dataset: Dataset) -> list[ColumnSpec]:
    return [ColumnSpec(c["name"], c["kind"]) for c in dataset.schema]


# --- drift checks -------------------------------------------------------------------------------------------------


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
        _require(permissions.can_run_checks(actor, version.model), "Only the model's team may run its checks.")
    if current.version_id != version.pk or current.kind != DatasetKind.CURRENT:
        raise DomainError("The check needs a current batch of this version.")
    config = drift_config_validate(config_for(version.model).drift_config or {})
    check = DriftCheck.objects.create(
        version=version,
        reference=current.reference,
        current=current,
        config=config,
        requested_by=actor if getattr(actor, "pk", None) else None,
        trigger=trigger,
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
    from monitoring.tasks import run_drift_check

    run_drift_check.delay(check_id)


def _distribution(kind: str, reference: pd.Series, current: pd.Series) -> dict[str, Any]:
    import numpy as np

    if kind == NUMERICAL:
        ref = reference.dropna().to_numpy(dtype="float64")
        cur = current.dropna().to_numpy(dtype="float64")
        both = np.concatenate([ref, cur]) if len(ref) + len(cur) else np.array([0.0])
        low, high = float(np.min(both)), float(np.max(both))
        if low == high:
            high = low + 1.0
        edges = np.linspace(low, high, _HIST_BINS + 1)
        ref_counts, _ = np.histogram(ref, bins=edges)
        cur_counts, _ = np.histogram(cur, bins=edges)
        return {
            "type": "histogram",
            "edges": edges.tolist(),
            "reference": (ref_counts / max(len(ref), 1)).tolist(),
            "current": (cur_counts / max(len(cur), 1)).tolist(),
        }
    ref_shares = reference.dropna().astype(str).value_counts(normalize=True)
    cur_shares = current.dropna().astype(str).value_counts(normalize=True)
    top = list((ref_shares.add(cur_shares, fill_value=0)).sort_values(ascending=False).index[:_TOP_CATEGORIES])
    return {
        "type": "categories",
        "categories": [str(c) for c in top],
        "reference": [float(ref_shares.get(c, 0.0)) for c in top],
        "current": [float(cur_shares.get(c, 0.0)) for c in top],
    }


def check_run(*, check_id: int, hold_seconds: float = 0) -> bool:
    """Run a queued check (the task calls this). False when another delivery owns it or it already finished.

    ``hold_seconds`` pauses after the claim: a crash drill (kill the worker mid-check) needs a check that lasts."""
    from monitoring.domain.drift import DriftConfig, compute_drift
    from monitoring.domain.quality import compare_quality, data_quality, model_quality

    if not DriftCheck.claim(check_id):
        return False
    check = DriftCheck.objects.select_related("version__model", "reference", "current").get(pk=check_id)
    attempt = check.attempts
    if hold_seconds:
        time.sleep(min(float(hold_seconds), 600.0))
    try:
        reference, current = check.reference, check.current
        specs = feature_specs(reference)
        names = [s.name for s in specs]
        roles = current.roles
        quality_columns = [roles[r] for r in ("target", "prediction") if r in roles]
        frame = read_frame(current, columns=names + [c for c in quality_columns if c not in names])
        DriftCheck.set_progress(check_id, 5)
        profile = read_profile(reference)
        DriftCheck.set_progress(check_id, 10)

        def progress(percent: int) -> None:
            DriftCheck.set_progress(check_id, 10 + int(percent * 0.7))

        result = compute_drift(profile, frame[names], DriftConfig.from_dict(check.config), progress=progress)
        DriftCheck.set_progress(check_id, 82)
        quality = data_quality(profile, frame[names], specs, type_mismatches=current.type_mismatches)
        mq: dict[str, Any] = {}
        if reference.model_quality and "target" in roles and "prediction" in roles:
            now = model_quality(
                frame, target=roles["target"], prediction=roles["prediction"], task=reference.model_quality.get("task")
            )
            thresholds = config_for(check.version.model).quality_thresholds
            mq = compare_quality(reference.model_quality, now, thresholds)
        DriftCheck.set_progress(check_id, 90)
        drifted = [c.column for c in result.columns if c.detected]
        ref_drifted = read_frame(reference, columns=drifted) if drifted else pd.DataFrame()
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
                distribution=_distribution(kinds[c.column], ref_drifted[c.column], frame[c.column])
                if c.detected
                else {},
            )
            for c in result.columns
        ]
    except Exception as exc:
        from celery.exceptions import SoftTimeLimitExceeded

        if isinstance(exc, SoftTimeLimitExceeded):
            message = "The check took longer than the time limit and was stopped."
        else:
            logger.exception("drift check %s failed", check_id)
            message = f"{type(exc).__name__}: {exc}"
        check_fail(check_id=check_id, message=message)
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
    from monitoring.domain.drift import DriftConfig, evidently_html_report

    if check.status != JobStatus.SUCCEEDED:
        raise ConflictError("The report exists once the check has succeeded.")
    if check.report_file:
        with check.report_file.open("rb") as handle:
            return handle.read().decode("utf-8")
    specs = feature_specs(check.reference)
    names = [s.name for s in specs]
    html = evidently_html_report(
        read_frame(check.reference, names), read_frame(check.current, names), specs, DriftConfig.from_dict(check.config)
    )
    name = default_storage.save(
        f"monitoring/reports/check-{check.pk}-{uuid.uuid4().hex[:8]}.html", ContentFile(html.encode())
    )
    updated = DriftCheck.objects.filter(pk=check.pk, report_file="").update(report_file=name)
    if not updated:
        default_storage.delete(name)
    return html


# --- alerts and notifications ---------------------------------------------------------------------------------------


def _rules_for(event: str, model: RegisteredModel | None) -> list[AlertRule]:
    rules = AlertRule.objects.filter(enabled=True).select_related("webhook")
    rules = (
        rules.filter(Q(model__isnull=True) | Q(model=model)) if model is not None else rules.filter(model__isnull=True)
    )
    return [r for r in rules if event in (r.events or [])]


def notify(
    *, event: str, model: RegisteredModel | None, payload: dict[str, Any], alert: Alert | None = None
) -> list[Delivery]:
    """Create one delivery per matching rule target and send them after commit."""
    deliveries = []
    for rule in _rules_for(event, model):
        if rule.webhook is not None and rule.webhook.enabled:
            deliveries.append(
                Delivery(
                    rule=rule,
                    alert=alert,
                    event=event,
                    channel=DeliveryChannel.WEBHOOK,
                    target=rule.webhook.url,
                    webhook=rule.webhook,
                    payload=payload,
                )
            )
        for email in rule.emails or []:
            deliveries.append(
                Delivery(
                    rule=rule,
                    alert=alert,
                    event=event,
                    channel=DeliveryChannel.EMAIL,
                    target=str(email)[:500],
                    payload=payload,
                )
            )
    created = Delivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in created]
    if ids:
        transaction.on_commit(lambda: _enqueue_deliveries(ids))
    return created


def _enqueue_deliveries(ids: list[int]) -> None:
    from monitoring.tasks import deliver

    for pk in ids:
        deliver.delay(pk)


def _base_url() -> str:
    return settings.MLOPS_GOV["BASE_URL"].rstrip("/")


@transaction.atomic
def alert_raise(
    *,
    kind: str,
    model: RegisteredModel,
    message: str,
    version: ModelVersion | None = None,
    check: DriftCheck | None = None,
    dedup_key: str = "",
) -> Alert | None:
    """Record an alert (once per ``dedup_key``), audit it and notify the rules listening for its kind."""
    if dedup_key and Alert.objects.filter(dedup_key=dedup_key).exists():
        return None
    payload = {
        "event": kind,
        "model": model.name,
        "version": version.version if version else None,
        "message": message,
        "check": check.pk if check else None,
        "at": timezone.now().isoformat(),
        "url": _base_url()
        + (reverse("monitoring:check-detail", args=[check.pk]) if check else reverse("monitoring:dashboard")),
    }
    if check is not None and check.status == JobStatus.SUCCEEDED:
        payload.update(drift_share=check.drift_share, dataset_drift=check.dataset_drift)
    alert = Alert.objects.create(
        kind=kind, model=model, version=version, check_run=check, message=message, payload=payload, dedup_key=dedup_key
    )
    audit_record(action=f"alert.{kind}", obj=alert, model=model, after=payload)
    notify(event=kind, model=model, payload=payload, alert=alert)
    return alert


def on_governance_event(event) -> None:
    """Receiver of ``registry.audit.governance_event``: forward registry actions to the rules that want them."""
    if event.action not in GOVERNANCE_EVENTS:
        return
    model = RegisteredModel.objects.filter(pk=event.model_id).first() if event.model_id else None
    payload = {
        "event": event.action,
        "model": event.model_name,
        "object": event.object_repr,
        "object_id": event.object_id,
        "actor": event.actor_name,
        "at": event.occurred_at.isoformat(),
        "audit_sequence": event.sequence,
        "audit_hash": event.hash,
        "after": event.after,
    }
    with transaction.atomic():
        notify(event=event.action, model=model, payload=payload)


def delivery_attempt(*, delivery_id: int) -> Delivery | None:
    """Send one pending delivery now; record the outcome. Failed attempts are retried by the sweep with back-off."""
    from monitoring import webhooks

    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",)).select_related("webhook").filter(pk=delivery_id).first()
        )
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return delivery
        if delivery.next_attempt_at and delivery.next_attempt_at > timezone.now():
            return delivery
        delivery.attempts += 1
        # Claim the attempt so a concurrent sweep does not send it twice meanwhile.
        delivery.next_attempt_at = timezone.now() + timedelta(minutes=5)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    permanent = False
    error, status_code = "", None
    try:
        if delivery.channel == DeliveryChannel.WEBHOOK:
            if delivery.webhook is None:
                raise webhooks.WebhookError("The webhook endpoint was deleted.")
            response = webhooks.post(
                delivery.target,
                delivery.payload,
                secret=delivery.webhook.secret,
                event=delivery.event,
                allowed_networks=settings.MLOPS_GOV["WEBHOOK_ALLOWED_NETWORKS"],
            )
            status_code = response.status
        else:
            subject = f"[mlops-gov] {delivery.event}: {delivery.payload.get('model') or ''}"
            body = "\n".join(f"{k}: {v}" for k, v in sorted(delivery.payload.items()))
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [delivery.target])
    except webhooks.WebhookError as exc:
        error = str(exc)
        permanent = "allow-list" in error or "Only http" in error or "redirect" in error
    except Exception as exc:  # noqa: BLE001 - any transport failure is recorded and retried
        error = f"{type(exc).__name__}: {exc}"
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if not error:
            delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.SUCCEEDED, timezone.now(), ""
            delivery.next_attempt_at = None
        else:
            delivery.last_error = error[:2000]
            if permanent or delivery.attempts >= DELIVERY_MAX_ATTEMPTS:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            else:
                delivery.next_attempt_at = timezone.now() + timedelta(seconds=30 * 2**delivery.attempts)
        delivery.response_status = status_code
        delivery.save()
    return delivery


# --- schedules ----------------------------------------------------------------------------------------------------


def sweep(*, now=None) -> dict[str, int]:
    """The periodic sweep: recover abandoned checks, run due checks, retry deliveries, raise stale-data alerts."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "checks_created": 0, "deliveries": 0, "stale": 0}
    # Checks whose worker died: re-run while attempts remain, fail the rest.
    abandoned = DriftCheck.objects.filter(
        status=JobStatus.RUNNING, lease_expires_at__lt=now, attempts__lt=DriftCheck.MAX_ATTEMPTS
    ).values_list("pk", flat=True)
    stuck = DriftCheck.objects.filter(status=JobStatus.QUEUED, created_at__lt=now - REQUEUE_QUEUED_AFTER).values_list(
        "pk", flat=True
    )
    for pk in [*abandoned, *stuck]:
        enqueue_check(pk)
        counts["requeued"] += 1
    for pk in DriftCheck.objects.filter(
        status=JobStatus.RUNNING, lease_expires_at__lt=now, attempts__gte=DriftCheck.MAX_ATTEMPTS
    ).values_list("pk", flat=True):
        check_fail(
            check_id=pk, message="The worker stopped while running this check (killed or timed out) too many times."
        )
        counts["failed"] += 1
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
        _enqueue_deliveries([pk])
        counts["deliveries"] += 1
    counts["stale"] = stale_data_alerts(now=now)
    return counts


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
        window = timedelta(hours=config_for(version.model).stale_after_hours)
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


def get_check(pk: int) -> DriftCheck:
    check = DriftCheck.objects.select_related("version__model", "reference", "current").filter(pk=pk).first()
    if check is None:
        raise NotFoundError(f"No drift check #{pk}.")
    return check


# --- alert routing (webhook endpoints and alert rules: the admin and the API) --------------------------------------

_REDACTED_FIELDS = {"secret"}
_CHANGED_MARK = "<redacted, changed>"  # an update that rotated the secret says so, without any trace of either value
# What a rule may listen for: the alert kinds and the registry actions ``notify`` is called with.
ROUTABLE_EVENTS = (*AlertKind.values, *GOVERNANCE_EVENTS)
_ROUTING_FIELDS = {
    WebhookEndpoint: {"name", "url", "secret", "enabled"},
    AlertRule: {"name", "model", "events", "webhook", "emails", "enabled"},
}


def _routing_snapshot(obj) -> dict[str, Any]:
    from django.forms.models import model_to_dict

    data = model_to_dict(obj)
    return {k: ("<redacted>" if k in _REDACTED_FIELDS and v else v) for k, v in data.items()}


def _may(actor, action: str, model_cls) -> bool:
    return bool(actor is not None and actor.has_perm(f"monitoring.{action}_{model_cls._meta.model_name}"))


def alert_routing_validate(obj: WebhookEndpoint | AlertRule) -> None:
    """Raise a ``ValidationError`` keyed by field for what the sender would refuse or never match: the model's own
    checks, a webhook URL the sender would not call, unknown events, bad e-mail addresses, a rule with no target.
    Messages never quote the secret."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from monitoring import webhooks
    from monitoring.domain import netguard

    errors: dict[str, list[str]] = {}
    try:
        obj.full_clean()
    except ValidationError as exc:
        errors = {k: list(v) for k, v in exc.message_dict.items()}
    if isinstance(obj, WebhookEndpoint) and "url" not in errors:
        try:
            webhooks.validate_destination(obj.url, allowed_networks=settings.MLOPS_GOV["WEBHOOK_ALLOWED_NETWORKS"])
        except netguard.BlockedDestination as exc:
            errors["url"] = [str(exc)]
    if isinstance(obj, AlertRule):
        events, emails = obj.events, obj.emails
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            errors["events"] = ["Give a list of event names."]
        elif unknown := [e for e in events if e not in ROUTABLE_EVENTS]:
            errors["events"] = [
                f"Unknown event(s): {', '.join(unknown[:10])[:300]}. Known events: {', '.join(ROUTABLE_EVENTS)}."
            ]
        elif not events:
            errors["events"] = [f"Give at least one event: {', '.join(ROUTABLE_EVENTS)}."]
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            errors["emails"] = ["Give a list of e-mail addresses."]
        else:
            bad = []
            for email in emails:
                try:
                    validate_email(email)
                except ValidationError:
                    bad.append(email)
            if bad:
                errors["emails"] = [f"Not a valid e-mail address: {', '.join(bad[:10])[:300]}."]
            elif obj.webhook_id is None and not emails and "webhook" not in errors:
                errors["webhook"] = ["A rule needs a webhook or at least one address in emails."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def alert_routing_save(
    *, obj: WebhookEndpoint | AlertRule, actor, changes: dict[str, Any] | None = None
) -> WebhookEndpoint | AlertRule:
    """Validate, save and audit a webhook endpoint or alert rule (where alerts go is governance too).

    The admin passes the edited object; the API passes a new or stored object and the validated ``changes``,
    applied here to the row locked for the update (a field left out, e.g. the secret, keeps its value)."""
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError

    model_cls = type(obj)
    _require(_may(actor, "change" if obj.pk else "add", model_cls), "Only ML engineers may edit alert routing.")
    unknown = set(changes or {}) - _ROUTING_FIELDS[model_cls]
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    previous = model_cls.objects.select_for_update().filter(pk=obj.pk).first() if obj.pk else None
    if obj.pk and previous is None:
        raise NotFoundError(f"{model_cls._meta.verbose_name.capitalize()} #{obj.pk} no longer exists.")
    before = _routing_snapshot(previous) if previous is not None else None
    old_secret = getattr(previous, "secret", None)
    if changes is not None:
        obj = previous if previous is not None else obj
        for key, value in changes.items():
            setattr(obj, key, value)
    alert_routing_validate(obj)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:  # a concurrent save took the name between the check and the insert
        if model_cls.objects.filter(name=obj.name).exclude(pk=obj.pk).exists():
            raise ValidationError({"name": [f"'{obj.name}' is already taken."]}) from None
        raise
    after = _routing_snapshot(obj)
    if previous is not None and old_secret is not None and old_secret != getattr(obj, "secret", None):
        after["secret"] = _CHANGED_MARK
    action = f"monitoring.{model_cls._meta.model_name}_{'updated' if previous else 'created'}"
    audit_record(action=action, obj=obj, model=getattr(obj, "model", None), before=before, after=after, actor=actor)
    return obj


@transaction.atomic
def alert_rule_cascade_audit(*, rule: AlertRule, origin) -> None:
    """Audit a rule the database deletes with its model (the actor is whoever deletes the model)."""
    after = {"deleted_with": f"{origin._meta.label_lower}:{origin.pk}"}
    audit_record(
        action="monitoring.alertrule_deleted", obj=rule, model=origin, before=_routing_snapshot(rule), after=after
    )


def alert_routing_delete(*, obj: WebhookEndpoint | AlertRule, actor, cascade: bool = True) -> None:
    """Delete and audit. Deleting an endpoint deletes its rules (the database cascades): each gets its own event,
    or, with ``cascade=False``, an endpoint still used by rules is refused (409)."""
    _require(_may(actor, "delete", type(obj)), "Only ML engineers may edit alert routing.")
    if isinstance(obj, WebhookEndpoint):
        rules = list(obj.rules.select_related("model").order_by("name"))
        if rules and not cascade:
            names = ", ".join(r.name for r in rules[:10]) + (", ..." if len(rules) > 10 else "")
            raise ConflictError(
                f"The webhook '{obj}' is used by {len(rules)} rule(s) ({names}): delete them or "
                "point them elsewhere first."
            )
        for rule in rules:
            audit_record(
                action="monitoring.alertrule_deleted",
                obj=rule,
                model=rule.model,
                before=_routing_snapshot(rule),
                actor=actor,
            )
    audit_record(
        action=f"monitoring.{type(obj)._meta.model_name}_deleted",
        obj=obj,
        model=getattr(obj, "model", None),
        before=_routing_snapshot(obj),
        actor=actor,
    )
    obj.delete()
