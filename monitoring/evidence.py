"""Evidence rules about monitoring records (registered with ``registry.evidence`` when this module is imported from
``MonitoringConfig.ready``): reference data, drift and quality checks, serving batches, alert routing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse

from mlops_gov.jobs import JobStatus
from monitoring.models import AlertRule, Dataset, DatasetKind, Delivery, DeliveryStatus, DriftCheck, MonitoringConfig
from registry.evidence import EvidenceRef, Finding, Status, Subject, days, grade, model_ref, rule, version_ref

AUTOMATED_TRIGGERS = ("upload", "sweep")
ALERT_EVENTS = ("drift", "stale_data")


def _version_page(subject: Subject) -> EvidenceRef:
    assert subject.version is not None
    v = subject.version
    return EvidenceRef(
        "model_version",
        str(v.pk),
        f"Monitoring of {v.model.name} v{v.version}",
        reverse("monitoring:version-detail", args=[v.model.name, v.version]),
    )


def _no_version(subject: Subject) -> Finding:
    return Finding("no", f"{subject.model.name} has no registered version to judge.", (model_ref(subject.model),))


def check_ref(check: DriftCheck) -> EvidenceRef:
    when = check.finished_at or check.created_at
    return EvidenceRef(
        "drift_check",
        str(check.pk),
        f"Drift check #{check.pk} ({when:%Y-%m-%d}, {check.trigger})",
        reverse("monitoring:check-detail", args=[check.pk]),
    )


def dataset_ref(dataset: Dataset, subject: Subject) -> EvidenceRef:
    page = _version_page(subject)
    return EvidenceRef(
        "dataset", str(dataset.pk), f"{dataset.get_kind_display()} #{dataset.pk} {dataset.name}", page.url
    )


def _succeeded_checks(subject: Subject):
    return DriftCheck.objects.filter(version=subject.version, status=JobStatus.SUCCEEDED).order_by(
        "-finished_at", "-id"
    )


def _reference(subject: Subject) -> Dataset | None:
    return Dataset.objects.filter(version=subject.version, kind=DatasetKind.REFERENCE).order_by("-created_at").first()


@rule(id="monitoring.reference-profile", version=1, title="Reference data registered and profiled", app="monitoring")
def reference_profile(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """A reference data set is registered for the version, with its per-column profile stored (partly: registered
    without a profile)."""
    if subject.version is None:
        return _no_version(subject)
    reference = _reference(subject)
    if reference is None:
        return Finding(
            "no", f"No reference data set is registered for v{subject.version.version}.", (_version_page(subject),)
        )
    ref = dataset_ref(reference, subject)
    detail = f"Reference #{reference.pk}: {reference.n_rows} rows, {reference.n_columns} columns, SHA-256 "
    detail += f"{reference.sha256[:12]}"
    if reference.profile_file:
        return Finding("yes", detail + ", profile stored.", (ref,))
    return Finding("partly", detail + "; no profile stored.", (ref,))


@rule(id="monitoring.training-data-hash", version=1, title="Training data named and hashed", app="monitoring")
def training_data_hash(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """The version names its training data and a reference data set is stored for it with its SHA-256."""
    if subject.version is None:
        return _no_version(subject)
    reference = _reference(subject)
    refs = [version_ref(subject.version)]
    have = []
    if subject.version.training_dataset.strip():
        have.append(f"training data '{subject.version.training_dataset}'")
    if reference is not None:
        have.append(f"reference #{reference.pk} with SHA-256 {reference.sha256[:12]}")
        refs.append(dataset_ref(reference, subject))
    detail = f"v{subject.version.version}: " + (", ".join(have) or "no data named or hashed") + "."
    return Finding(grade(len(have), 2), detail, tuple(refs))


@rule(id="monitoring.drift-checks", version=1, title="Drift checks run on schedule", app="monitoring")
def drift_checks(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """A drift check on the version succeeded within the last ``days`` (default 30), started automatically (on upload
    or by the periodic sweep); partly when the only recent checks were started by hand."""
    if subject.version is None:
        return _no_version(subject)
    window = days(params, 30)
    recent = list(_succeeded_checks(subject).filter(finished_at__gte=subject.now - window)[:20])
    if not recent:
        return Finding(
            "no",
            f"No drift check on v{subject.version.version} succeeded in the last {window.days} days.",
            (_version_page(subject),),
        )
    automated = [c for c in recent if c.trigger in AUTOMATED_TRIGGERS]
    shown = (automated or recent)[:3]
    refs = tuple(check_ref(c) for c in shown)
    if automated:
        return Finding("yes", f"{len(automated)} automated check(s) in the last {window.days} days.", refs)
    return Finding(
        "partly", f"{len(recent)} check(s) in the last {window.days} days, none started automatically.", refs
    )


@rule(id="monitoring.data-quality", version=1, title="Data quality measured on every batch", app="monitoring")
def data_quality(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """A check within the last ``days`` (default 30) recorded data-quality measures (missing values, types) of the
    batch; partly when the last such check is older."""
    if subject.version is None:
        return _no_version(subject)
    window = days(params, 30)
    latest = next((c for c in _succeeded_checks(subject)[:50] if c.data_quality), None)
    if latest is None:
        return Finding("no", "No check recorded data-quality measures.", (_version_page(subject),))
    if latest.finished_at >= subject.now - window:
        return Finding("yes", f"Check #{latest.pk} measured data quality.", (check_ref(latest),))
    return Finding("partly", f"The last data-quality measure is older than {window.days} days.", (check_ref(latest),))


@rule(
    id="monitoring.serving-validation",
    version=1,
    title="Serving batches checked against the reference",
    app="monitoring",
)
def serving_validation(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """Current (serving) batches uploaded within the last ``days`` (default 30) were validated against the
    reference schema; partly when a batch had values of the wrong type or the last batch is older."""
    if subject.version is None:
        return _no_version(subject)
    window = days(params, 30)
    batches = list(
        Dataset.objects.filter(version=subject.version, kind=DatasetKind.CURRENT).order_by("-created_at")[:20]
    )
    if not batches:
        return Finding("no", f"No serving batch of v{subject.version.version} was uploaded.", (_version_page(subject),))
    recent = [b for b in batches if b.created_at >= subject.now - window]
    refs = tuple(dataset_ref(b, subject) for b in (recent or batches)[:3])
    if not recent:
        return Finding("partly", f"The last serving batch is older than {window.days} days.", refs)
    mismatched = [b for b in recent if b.type_mismatches]
    if mismatched:
        return Finding(
            "partly", f"{len(mismatched)} of {len(recent)} recent batch(es) had values of the wrong type.", refs
        )
    return Finding("yes", f"{len(recent)} batch(es) in the last {window.days} days matched the reference schema.", refs)


def _rules_for_model(subject: Subject) -> list[AlertRule]:
    from django.db.models import Q

    return list(
        AlertRule.objects.filter(enabled=True)
        .filter(Q(model__isnull=True) | Q(model=subject.model))
        .select_related("webhook")
        .order_by("name")
    )


def _has_target(alert_rule: AlertRule) -> bool:
    return bool((alert_rule.webhook is not None and alert_rule.webhook.enabled) or alert_rule.emails)


def _alert_rule_ref(alert_rule: AlertRule) -> EvidenceRef:
    return EvidenceRef(
        "alert_rule",
        str(alert_rule.pk),
        f"Alert rule '{alert_rule.name}'",
        reverse("admin:monitoring_alertrule_change", args=[alert_rule.pk]),
    )


@rule(id="monitoring.alert-routing", version=1, title="Drift and stale-data alerts reach people", app="monitoring")
def alert_routing(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """Enabled alert rules route both drift and stale-data alerts of the model to a webhook or e-mail, and a
    delivery through them succeeded; partly when routed without a successful delivery yet, or only one kind."""
    routed = [r for r in _rules_for_model(subject) if _has_target(r) and set(r.events or []) & set(ALERT_EVENTS)]
    if not routed:
        return Finding(
            "no",
            "No enabled alert rule routes drift or stale-data alerts of this model to a webhook or e-mail.",
            (EvidenceRef("alert_rule", "", "Alert rules", reverse("admin:monitoring_alertrule_changelist")),),
        )
    covered = sorted({e for r in routed for e in r.events or [] if e in ALERT_EVENTS})
    refs = [_alert_rule_ref(r) for r in routed[:3]]
    delivered = (
        Delivery.objects.filter(rule__in=routed, status=DeliveryStatus.SUCCEEDED).order_by("-delivered_at").first()
    )
    if delivered is not None:
        refs.append(
            EvidenceRef(
                "delivery",
                str(delivered.pk),
                f"Delivery #{delivered.pk} to {delivered.channel}",
                reverse("admin:monitoring_delivery_change", args=[delivered.pk]),
            )
        )
    status: Status = "yes" if delivered is not None and len(covered) == len(ALERT_EVENTS) else "partly"
    detail = f"Routed: {', '.join(covered)} by {len(routed)} rule(s); " + (
        f"last successful delivery #{delivered.pk}." if delivered else "no delivery has succeeded yet."
    )
    return Finding(status, detail, tuple(refs))


@rule(id="monitoring.quality-labels", version=1, title="Model quality tracked with labels", app="monitoring")
def quality_labels(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """A check within the last ``days`` (default 30) measured model quality on served data with true labels and
    predictions; partly when the last such measure is older."""
    if subject.version is None:
        return _no_version(subject)
    window = days(params, 30)
    latest = next((c for c in _succeeded_checks(subject)[:50] if c.model_quality), None)
    if latest is None:
        return Finding(
            "no",
            "No check measured model quality (upload batches with labels and predictions).",
            (_version_page(subject),),
        )
    measured = latest.model_quality.get("metrics")
    metrics = ", ".join(sorted(measured)) if isinstance(measured, dict) and measured else "metrics recorded"
    metrics = metrics[:160]
    if latest.finished_at >= subject.now - window:
        return Finding("yes", f"Check #{latest.pk} measured model quality ({metrics}).", (check_ref(latest),))
    return Finding("partly", f"The last quality measure is older than {window.days} days.", (check_ref(latest),))


@rule(id="monitoring.monitoring-plan", version=1, title="Monitoring configured, routed and running", app="monitoring")
def monitoring_plan(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """The model has its own monitoring configuration (what is watched and when data is stale), alert routing, and
    a drift check within the last ``days`` (default 30)."""
    refs: list[EvidenceRef] = []
    have: list[str] = []
    config = MonitoringConfig.objects.filter(model=subject.model).first()
    if config is not None:
        have.append(f"a monitoring configuration (stale after {config.stale_after_hours} h)")
        refs.append(
            EvidenceRef(
                "monitoring_config",
                str(config.pk),
                "Monitoring configuration",
                reverse("admin:monitoring_monitoringconfig_change", args=[config.pk]),
            )
        )
    routed = [r for r in _rules_for_model(subject) if _has_target(r)]
    if routed:
        have.append(f"{len(routed)} alert rule(s)")
        refs.append(_alert_rule_ref(routed[0]))
    if subject.version is not None:
        window = days(params, 30)
        check = _succeeded_checks(subject).filter(finished_at__gte=subject.now - window).first()
        if check is not None:
            have.append(f"a drift check in the last {window.days} days")
            refs.append(check_ref(check))
    if not refs:
        refs.append(model_ref(subject.model))
    detail = "Has " + (", ".join(have) or "no monitoring configuration, alert routing or recent check") + "."
    return Finding(grade(len(have), 3), detail, tuple(refs))
