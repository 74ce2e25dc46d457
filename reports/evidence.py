"""Evidence rules about governance reports (registered with ``registry.evidence`` when this module is imported from
``ReportsConfig.ready``): a report stored on each promotion, and the audit chain verified recently."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.http import urlencode

from mlops_gov.jobs import JobStatus
from registry.evidence import EvidenceRef, Finding, Subject, days, model_ref, rule, version_ref
from registry.models import AuditEvent
from reports.choices import ReportKind
from reports.models import GovernanceReport


def report_ref(report: GovernanceReport) -> EvidenceRef:
    return EvidenceRef(
        "governance_report",
        str(report.pk),
        f"Report #{report.pk} ({report.finished_at or report.created_at:%Y-%m-%d})",
        reverse("reports:report-detail", args=[report.pk]),
    )


def _succeeded():
    return GovernanceReport.objects.filter(status=JobStatus.SUCCEEDED).order_by("-finished_at", "-id")


@rule(id="reports.promotion-report", version=1, title="Governance report stored on the last promotion", app="reports")
def promotion_report(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """A governance report of the production version was generated and stored (with its SHA-256) after it reached
    production; partly when the only report of the version predates its promotion."""
    version = subject.version
    if version is None or version.stage != "production":
        return Finding(
            "no", "No version is in production, so no promotion report can be observed.", (model_ref(subject.model),)
        )
    reports = _succeeded().filter(kind=ReportKind.MODEL, version=version)
    since = version.stage_changed_at
    after = reports.filter(created_at__gte=since).first() if since else reports.first()
    if after is not None:
        detail = f"Report #{after.pk} of v{version.version} stored with SHA-256 {after.sha256[:12]} ({after.trigger})."
        return Finding("yes", detail, (report_ref(after), version_ref(version)))
    older = reports.first()
    if older is not None:
        return Finding(
            "partly",
            f"Report #{older.pk} of v{version.version} predates its promotion; none was stored since.",
            (report_ref(older), version_ref(version)),
        )
    return Finding("no", f"No governance report of v{version.version} is stored.", (version_ref(version),))


@rule(id="reports.audit-verified", version=1, title="Audit trail kept and its chain verified recently", app="reports")
def audit_verified(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """The model's lifecycle events are in the hash-chained audit trail and a stored report verified the whole chain
    within the last ``days`` (default 30); partly when events are logged but no recent verification is stored, no
    when a verification found the chain broken."""
    window = days(params, 30)
    latest_event = AuditEvent.objects.filter(model_id=subject.model.pk).order_by("-sequence").first()
    refs: list[EvidenceRef] = []
    if latest_event is not None:
        refs.append(
            EvidenceRef(
                "audit_event",
                str(latest_event.sequence),
                f"Audit event #{latest_event.sequence} ({latest_event.action})",
                reverse("registry:audit-list") + "?" + urlencode({"model": subject.model.name}),
            )
        )
    checked = _succeeded().filter(~Q(chain_verified=None), finished_at__gte=subject.now - window).first()
    if checked is not None:
        refs.append(report_ref(checked))
    if checked is not None and checked.chain_verified is False:
        return Finding("no", f"Report #{checked.pk} found the audit chain broken.", tuple(refs))
    if latest_event is None:
        return Finding("no", "No audit event concerns this model.", (model_ref(subject.model), *refs))
    if checked is None:
        return Finding(
            "partly",
            f"Events are logged in the chain; no stored verification in the last {window.days} days.",
            (*refs, EvidenceRef("audit_verify", "", "Verify the chain", reverse("registry:audit-verify"))),
        )
    return Finding(
        "yes",
        f"Events are logged in the chain; report #{checked.pk} verified it up to #{checked.chain_sequence} "
        f"on {checked.finished_at:%Y-%m-%d}.",
        tuple(refs),
    )
