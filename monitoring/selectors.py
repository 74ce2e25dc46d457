"""Monitoring reads: checks, datasets, alerts, the dashboard, and the report/portfolio sections."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import BooleanField, Case, Count, Max, Prefetch, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mlops_gov.actors import Viewer
from mlops_gov.errors import NotFoundError
from mlops_gov.jobs import JobStatus
from mlops_gov.listing import ordered
from mlops_gov.svg import daily_counts
from monitoring import permissions
from monitoring.filters import (
    ALERT_ORDERING,
    CHECK_ORDERING,
    DATASET_ORDERING,
    AlertFilter,
    DatasetFilter,
    DriftCheckFilter,
)
from monitoring.models import (
    Alert,
    AlertKind,
    AlertRule,
    Dataset,
    DatasetImport,
    DatasetKind,
    Delivery,
    DriftCheck,
    MonitoringConfig,
    WebhookEndpoint,
)
from registry.choices import Stage
from registry.models import ModelVersion, RegisteredModel

REPORT_CHECKS = 30
STALE_AFTER_HOURS_DEFAULT = MonitoringConfig._meta.get_field("stale_after_hours").default
TREND_DAYS = 14
# The dashboard's production table, narrowed to what needs attention (?show=...).
ATTENTION = {"drifting": "drifting", "stale": "stale", "failed": "check_failed"}


def config_for(model: RegisteredModel) -> MonitoringConfig:
    """The model's monitoring settings, or the defaults (unsaved) when it has none yet."""
    config = MonitoringConfig.objects.filter(model=model).first()
    return config or MonitoringConfig(model=model)


def latest_reference(version: ModelVersion) -> Dataset | None:
    return Dataset.objects.filter(version=version, kind=DatasetKind.REFERENCE).order_by("-created_at", "-id").first()


def get_check(pk: int) -> DriftCheck:
    check = DriftCheck.objects.select_related("version__model", "reference", "current").filter(pk=pk).first()
    if check is None:
        raise NotFoundError(f"No drift check #{pk}.")
    return check


def check_list(*, version: ModelVersion | None = None, model: RegisteredModel | None = None) -> QuerySet[DriftCheck]:
    qs = DriftCheck.objects.select_related("version__model", "reference", "current", "requested_by")
    if version is not None:
        qs = qs.filter(version=version)
    if model is not None:
        qs = qs.filter(version__model=model)
    return qs.order_by("-created_at", "-id")


def latest_check(*, version: ModelVersion) -> DriftCheck | None:
    """The latest succeeded check on exactly this version."""
    return (
        DriftCheck.objects.filter(version=version, status=JobStatus.SUCCEEDED).order_by("-finished_at", "-id").first()
    )


def dataset_list(*, version: ModelVersion | None = None, kind: str = "") -> QuerySet[Dataset]:
    qs = Dataset.objects.select_related("version__model", "uploaded_by")
    if version is not None:
        qs = qs.filter(version=version)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def dataset_import_list() -> QuerySet[DatasetImport]:
    return DatasetImport.objects.select_related("version__model", "requested_by").order_by("-created_at", "-id")


def alert_list(*, model: RegisteredModel | None = None) -> QuerySet[Alert]:
    qs = Alert.objects.select_related("model", "version", "check_run")
    if model is not None:
        qs = qs.filter(model=model)
    return qs.order_by("-created_at", "-id")


# --- list filters: the FilterSet the page and the API share, over the list's queryset ------------------------------


def check_filter(params: Any, *, ordering: str = "") -> DriftCheckFilter:
    qs = ordered(check_list(), ordering, CHECK_ORDERING, "-id")
    return DriftCheckFilter(params if params is not None else {}, queryset=qs)


def alert_filter(params: Any, *, ordering: str = "") -> AlertFilter:
    qs = ordered(alert_list(), ordering, ALERT_ORDERING, "-id")
    return AlertFilter(params if params is not None else {}, queryset=qs)


def dataset_filter(params: Any, *, ordering: str = "") -> DatasetFilter:
    qs = ordered(dataset_list(), ordering, DATASET_ORDERING, "-id")
    return DatasetFilter(params if params is not None else {}, queryset=qs)


def delivery_list() -> QuerySet[Delivery]:
    return Delivery.objects.select_related("rule", "alert").order_by("-created_at", "-id")


def webhook_endpoint_list() -> QuerySet[WebhookEndpoint]:
    """Endpoints without their secret: it is written, never read back (``has_secret`` says whether one is set)."""
    has_secret = Case(When(secret="", then=Value(False)), default=Value(True), output_field=BooleanField())
    return WebhookEndpoint.objects.defer("secret").annotate(has_secret=has_secret).order_by("name")


def alert_rule_list() -> QuerySet[AlertRule]:
    return AlertRule.objects.select_related("model", "webhook").defer("webhook__secret").order_by("name")


def drift_strength(method: str, score: float, threshold: float) -> float:
    """How far a column's score is past (> 1) or short of (< 1) its drift threshold, whatever the method's
    direction: p-values drift when small, distances when large."""
    if "p_value" in method:
        return threshold / max(score, 1e-300)
    return score / threshold if threshold else score


def verdict_sentence(check: DriftCheck, drifted: list[str]) -> str:
    """Why the dataset verdict is what it is, in one sentence people can check (in the reader's language)."""
    share = f"{check.drift_share_threshold:.0%}"
    if not check.column_count:
        return _("Dataset drift when at least %(share)s of the columns drift; no column was compared.") % {
            "share": share
        }
    named = ", ".join(drifted[:8])
    if len(drifted) > 8:
        named = _("%(names)s and %(n)d more") % {"names": named, "n": len(drifted) - 8}
    names = {
        "share": share,
        "drifted": check.drifted_count,
        "columns": check.column_count,
        "found": f"{check.drift_share:.0%}",
        "named": (": " + named) if named else "",
    }
    if check.dataset_drift:
        return (
            _(
                "Dataset drift when at least %(share)s of the columns drift; %(drifted)s of %(columns)s drifted "
                "(%(found)s)%(named)s — so the dataset has drifted."
            )
            % names
        )
    return (
        _(
            "Dataset drift when at least %(share)s of the columns drift; %(drifted)s of %(columns)s drifted "
            "(%(found)s)%(named)s — below the share, so no dataset drift."
        )
        % names
    )


def check_detail(check: DriftCheck) -> dict[str, Any]:
    """Everything the check page shows: columns drifted-first by how far past their threshold, each with a small
    distribution preview, charts for the drifted columns, and the sentence behind the dataset verdict."""
    columns = sorted(
        check.columns.all(),
        key=lambda c: (not c.detected, -drift_strength(c.method, c.score, c.threshold), c.column),
    )
    rows = [{"result": c} for c in columns]
    drifted = [c.column for c in columns if c.detected]
    # The drifted columns whose distributions the page charts (drawn by the drift_charts template tags).
    drifted_charts = [c for c in columns if c.detected and c.distribution][:20]
    quality = check.data_quality or {}
    return {
        "check": check,
        "columns": columns,
        "column_rows": rows,
        "verdict": verdict_sentence(check, drifted) if check.status == JobStatus.SUCCEEDED else "",
        "charts": drifted_charts,
        "quality": quality,
        "quality_columns": quality.get("columns", []),
        "model_quality": check.model_quality or {},
        "alerts": list(check.alerts.order_by("-created_at")[:20]),
        "typing": [{**t, "differs": t.get("evidently") not in (None, t.get("kind"))} for t in (check.typing or [])],
        "typing_from": (check.config or {}).get("typing_from") or "current",
        "seed": (check.config or {}).get("seed"),
    }


def check_status(check: DriftCheck) -> dict[str, Any]:
    return {
        "id": check.pk,
        "status": check.status,
        "progress": check.progress,
        "error": check.error,
        "attempts": check.attempts,
        "created_at": check.created_at,
        "started_at": check.started_at,
        "finished_at": check.finished_at,
        "duration_seconds": check.duration_seconds,
        "dataset_drift": check.dataset_drift,
        "drift_share": check.drift_share,
        "drifted_count": check.drifted_count,
        "column_count": check.column_count,
    }


def _trend(version: ModelVersion, limit: int = REPORT_CHECKS) -> list[DriftCheck]:
    checks = list(
        DriftCheck.objects.filter(version=version, status=JobStatus.SUCCEEDED).order_by("-finished_at", "-id")[:limit]
    )
    return list(reversed(checks))


def dashboard_rows() -> list[dict[str, Any]]:
    """One row per production version: last check, drift share trend, quality, recent alerts."""
    since = timezone.now() - timedelta(days=30)
    now = timezone.now()
    versions = (
        ModelVersion.objects.filter(stage=Stage.PRODUCTION)
        .select_related("model", "model__monitoring")
        .annotate(recent_alerts=Count("alerts", filter=Q(alerts__created_at__gte=since), distinct=True))
        .annotate(last_batch=Max("datasets__created_at", filter=Q(datasets__kind=DatasetKind.CURRENT)))
        .prefetch_related(
            Prefetch("drift_checks", queryset=DriftCheck.objects.order_by("-created_at", "-id"), to_attr="all_checks")
        )
        .order_by("model__name")
    )
    rows = []
    for version in versions:
        checks = version.all_checks
        last = checks[0] if checks else None
        succeeded = [c for c in checks if c.status == JobStatus.SUCCEEDED][:REPORT_CHECKS]
        last_ok = succeeded[0] if succeeded else None
        trend = [c.drift_share for c in reversed(succeeded[:10]) if c.drift_share is not None]
        config = getattr(version.model, "monitoring", None)
        window = timedelta(hours=config.stale_after_hours if config else STALE_AFTER_HOURS_DEFAULT)
        fresh_since = version.last_batch or version.stage_changed_at or version.created_at
        rows.append(
            {
                "version": version,
                "last_check": last,
                "last_succeeded": last_ok,
                "trend": trend,
                "trend_label": f"Drift share of {version}, last {len(trend)} checks",
                "drifting": bool(last_ok and last_ok.dataset_drift),
                "stale": fresh_since is not None and now - fresh_since > window,
                "check_failed": bool(last and last.status == JobStatus.FAILED),
                "duplicate_rows": (last_ok.data_quality or {}).get("duplicate_rows") if last_ok else None,
                "quality_degraded": bool((last_ok.model_quality or {}).get("degraded")) if last_ok else False,
                "recent_alerts": version.recent_alerts,
            }
        )
    return rows


def report_context(*, version: ModelVersion) -> dict[str, Any]:
    """The monitoring section of a governance report: the last checks of this version, drift trend chart,
    data and model quality of the latest check, recent alerts. Bounded to the last 30 checks."""
    checks = _trend(version)
    latest = checks[-1] if checks else None
    columns = list(latest.columns.all()) if latest else []
    trend = None
    if latest is not None:
        trend = {
            "points": [(c.finished_at, c.drift_share or 0.0) for c in checks if c.finished_at is not None],
            "threshold": latest.drift_share_threshold,
        }
    drifted_charted = [c for c in columns if c.detected and c.distribution][:6]
    quality = (latest.data_quality or {}) if latest else {}
    return {
        "has_checks": bool(checks),
        "version": version,
        "latest": latest,
        "latest_columns": columns,
        "checks": list(reversed(checks)),
        "trend": trend,
        "drifted_charted": drifted_charted,
        "data_quality": quality,
        "quality_issues": [
            c
            for c in quality.get("columns", [])
            if c.get("missing") or c.get("out_of_range") or c.get("unseen_categories") or c.get("type_mismatches")
        ][:30],
        "model_quality": (latest.model_quality or {}) if latest else {},
        "alerts": list(alert_list().filter(version=version)[:20]),
        "references": list(dataset_list(version=version, kind="reference")[:5]),
    }


def portfolio_row(*, version: ModelVersion) -> dict[str, Any]:
    latest = latest_check(version=version)
    if latest is None:
        return {"drift_status": "no check", "drift_share": None, "last_check_at": None}
    return {
        "drift_status": "drift" if latest.dataset_drift else "no drift",
        "drift_share": latest.drift_share,
        "last_check_at": latest.finished_at,
    }


def dashboard_cards(*, user: Viewer | None) -> list[dict[str, Any]]:
    if not permissions.can_view(user):
        return []
    since = timezone.now() - timedelta(days=7)
    production = ModelVersion.objects.filter(stage=Stage.PRODUCTION)
    drifting = 0
    for version in production:
        latest = latest_check(version=version)
        drifting += bool(latest and latest.dataset_drift)
    url = reverse("monitoring:dashboard")
    return [
        {
            "label": _("Production models drifting"),
            "value": drifting,
            "url": url,
            "note": _("latest check found drift"),
        },
        {"label": _("Alerts (7 days)"), "value": Alert.objects.filter(created_at__gte=since).count(), "url": url},
        {
            "label": _("Checks running"),
            "value": DriftCheck.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).count(),
            "url": url,
        },
    ]


def needs_me(*, user: Viewer | None) -> list[dict[str, Any]]:
    """Production models that need attention: drifting, stale, or whose last check failed (with a 14-day trend of
    the matching alerts), for everyone who reads monitoring."""
    if not permissions.can_view(user):
        return []
    rows = dashboard_rows()
    now = timezone.now()
    since = now - timedelta(days=TREND_DAYS)
    url = reverse("monitoring:dashboard")
    cards = []
    for show, label, kind in (
        ("drifting", _("Production models drifting"), AlertKind.DRIFT),
        ("stale", _("Production models with stale data"), AlertKind.STALE_DATA),
        ("failed", _("Production models whose last check failed"), AlertKind.CHECK_FAILED),
    ):
        moments = Alert.objects.filter(kind=kind, created_at__gte=since).values_list("created_at", flat=True)
        trend = daily_counts(moments, days=TREND_DAYS, now=now)
        cards.append(
            {
                "group": _("Production monitoring"),
                "label": label,
                "value": sum(1 for row in rows if row[ATTENTION[show]]),
                "url": f"{url}?show={show}",
                "trend": trend,
                "trend_label": _("%(kind)s alerts per day, last %(days)d days")
                % {"kind": kind.label, "days": TREND_DAYS},
            }
        )
    return cards
