"""Report reads: assemble everything a governance report shows, from every app, in a bounded number of queries.

Assessments and monitoring contribute their sections through ``<app>.selectors.report_context(version=...)`` and
``<app>/report_section.html`` (and ``portfolio_row(version=...)``). They are looked up at call time, so a report
says "No ... recorded" while an app has not provided them yet, and picks them up once it does.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from registry.audit import audit_head, audit_verify
from registry.choices import MODEL_CARD_FIELDS, Decision, RequestKind, RequestStatus, Stage
from registry.models import Approval, AuditEvent, ModelVersion, PromotionRequest, RegisteredModel
from reports import permissions
from reports.choices import ReportKind
from reports.constants import limit
from reports.domain.text import event_listing
from reports.models import GovernanceReport

logger = logging.getLogger(__name__)

CARD_LABELS = {
    "intended_use": "Intended use",
    "out_of_scope_use": "Out-of-scope use",
    "training_data": "Training data",
    "evaluation_data": "Evaluation data",
    "metrics": "Metrics",
    "ethical_considerations": "Ethical considerations",
    "caveats": "Caveats",
}

# (app label, section title, what to say when the app has nothing for this version)
APP_SECTIONS = (
    ("assessments", "Maturity", "No maturity assessment recorded for this model."),
    ("monitoring", "Monitoring", "No drift or data-quality check recorded for this version."),
)


# --- the versions and reports a user may see ------------------------------------------------------------------------


def production_version(model: RegisteredModel) -> ModelVersion | None:
    return model.versions.filter(stage=Stage.PRODUCTION).first()


def report_version(*, model: RegisteredModel, version: int | None = None) -> ModelVersion | None:
    """The version a report is about: the given number, else production, else None."""
    qs = ModelVersion.objects.select_related("model__owner", "model__team", "created_by", "parent", "card")
    if version is not None:
        return qs.filter(model=model, version=version).first()
    return qs.filter(model=model, stage=Stage.PRODUCTION).first()


def report_list(*, user) -> QuerySet[GovernanceReport]:
    """Stored reports the user may read: all for auditors, their team's models otherwise."""
    qs = GovernanceReport.objects.select_related("model", "requested_by").order_by("-created_at", "-id")
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if user.is_superuser or permissions.is_auditor(user):
        return qs
    team_models = Q(model__owner=user) | Q(model__team__members=user)
    visible = Q(kind=ReportKind.MODEL) & team_models
    if permissions.can_read_portfolio(user):
        visible |= Q(kind=ReportKind.PORTFOLIO)
    return qs.filter(visible).distinct()


def can_read_report(user, report: GovernanceReport) -> bool:
    if report.kind == ReportKind.PORTFOLIO:
        return permissions.can_read_portfolio(user)
    if report.model is None:  # the model was deleted: auditors only
        return permissions.is_auditor(user) or bool(user and user.is_superuser)
    return permissions.can_read_model_reports(user, report.model)


# --- sections contributed by other apps -------------------------------------------------------------------------------


def _app_selectors(label: str):
    try:
        return importlib.import_module(f"{label}.selectors")
    except ModuleNotFoundError as exc:
        if exc.name in (label, f"{label}.selectors"):
            return None
        raise


class ReportSectionError(RuntimeError):
    """A section of a report could not be assembled: the report fails rather than ship without that evidence."""


def app_section(label: str, *, version: ModelVersion, empty_text: str) -> dict[str, Any]:
    """Render one app's report section to safe HTML (its own template autoescapes user text). Raises
    ``ReportSectionError`` when the app's section fails: a report is never issued without its evidence."""
    try:
        selectors = _app_selectors(label)
        provider = getattr(selectors, "report_context", None) if selectors is not None else None
        if provider is None:
            return {"html": None, "empty": empty_text, "error": ""}
        data = provider(version=version)
    except Exception as exc:  # a report never ships without a section's evidence: the whole report fails, visibly
        logger.exception("report section %s failed for %s", label, version)
        raise ReportSectionError(
            f"The {label} section of the report for {version} could not be assembled ({type(exc).__name__}): "
            "the report is not issued without its evidence."
        ) from exc
    if not data:
        return {"html": None, "empty": empty_text, "error": ""}
    try:
        html = render_to_string(f"{label}/report_section.html", {**data, "section": data, "version": version})
    except TemplateDoesNotExist:
        return {"html": None, "empty": "", "error": f"The {label} app provides no report template yet."}
    # Safe: rendered by an autoescaping Django template; charts are SVG strings that app generated itself.
    return {"html": mark_safe(html), "empty": "", "error": ""}


def app_portfolio_row(label: str, *, version: ModelVersion) -> dict[str, Any]:
    try:
        selectors = _app_selectors(label)
        provider = getattr(selectors, "portfolio_row", None) if selectors is not None else None
        return dict(provider(version=version) or {}) if provider is not None else {}
    except Exception:  # the portfolio still lists the model, with this column empty
        logger.exception("portfolio row %s failed for %s", label, version)
        return {"error": True}


# --- one model version ------------------------------------------------------------------------------------------------


def _lineage(version: ModelVersion) -> list[ModelVersion]:
    chain: list[ModelVersion] = []
    seen, current = {version.pk}, version.parent
    while current is not None and len(chain) < 20 and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.parent
    return chain


def promotion_history(model: RegisteredModel) -> tuple[list[dict[str, Any]], int]:
    qs = (
        PromotionRequest.objects.filter(version__model=model)
        .select_related("version", "requested_by")
        .prefetch_related(Prefetch("decisions", queryset=Approval.objects.select_related("approver")))
        .order_by("created_at", "id")
    )
    total = qs.count()
    rows = []
    for request in qs[: limit("REPORT_MAX_REQUESTS")]:
        decisions = list(request.decisions.all())
        rows.append(
            {
                "request": request,
                "gates": [g for g in (request.gate_results or []) if isinstance(g, dict)],
                "decisions": decisions,
                "approvers": [person(d.approver) for d in decisions if d.decision == Decision.APPROVE],
            }
        )
    return rows, total


def person(user: Any) -> str:
    """A person as a report names them: "Ava Lindqvist (ava)", or the username when no name is recorded."""
    if user is None:
        return "—"
    full = (user.get_full_name() or "").strip()
    return f"{full} ({user.get_username()})" if full else user.get_username()


def person_named(username: str) -> str:
    """The person behind a username (the one who asked for the document), else the name as given."""
    from django.contrib.auth import get_user_model

    if not username:
        return "the system (automatic)"
    user = get_user_model().objects.filter(username=username).first()
    return person(user) if user is not None else username


def cover_summary(version: ModelVersion, requests: list[dict[str, Any]]) -> dict[str, Any]:
    """The one-page executive summary: the decision behind the version's place, who asked and who approved (by
    name), the gate verdicts, the latest drift and maturity status, and who is to sign."""
    mine = [row for row in requests if row["request"].version_id == version.pk]
    applied = [row for row in mine if row["request"].status == RequestStatus.APPLIED]
    row: dict[str, Any] | None = (applied or mine)[-1] if (applied or mine) else None
    if row is None:
        decision = f"No promotion request recorded: the version is in {version.get_stage_display().lower()}."
    else:
        request = row["request"]
        target = request.target_label
        closed = f" on {request.closed_at:%Y-%m-%d}" if request.closed_at else ""
        decision = {
            RequestStatus.APPLIED: f"Approved and applied: v{version.version} moved to {target}{closed} "
            f"(request #{request.pk}).",
            RequestStatus.OPEN: f"Pending: request #{request.pk} to move v{version.version} to {target} awaits "
            "its approvals.",
            RequestStatus.REJECTED: f"Rejected{closed}: request #{request.pk} to move v{version.version} to {target}.",
        }.get(request.status, f"Request #{request.pk} to {target}: {request.get_status_display().lower()}{closed}.")
    gates = list(row["gates"]) if row else []
    maturity = app_portfolio_row("assessments", version=version)
    monitoring = app_portfolio_row("monitoring", version=version)
    decisions = row["decisions"] if row else []
    approvals = [
        {"name": person(d.approver), "at": d.created_at, "comment": d.comment}
        for d in decisions
        if d.decision == Decision.APPROVE
    ]
    rejections = [
        {"name": person(d.approver), "at": d.created_at, "comment": d.comment}
        for d in decisions
        if d.decision != Decision.APPROVE
    ]
    return {
        "decision": decision,
        "request": row["request"] if row else None,
        "requester": person(row["request"].requested_by) if row else "—",
        "approvals": approvals,
        "rejections": rejections,
        "gates": gates,
        "gates_passed": sum(1 for g in gates if g.get("passed")),
        "maturity": maturity,
        "monitoring": monitoring,
        "signers": [
            ("Model owner", person(version.model.owner)),
            ("Approver (model risk)", approvals[0]["name"] if approvals else ""),
            ("Internal audit", ""),
        ],
    }


def chain_state(*, verify: bool = True) -> dict[str, Any]:
    head = audit_head()
    state: dict[str, Any] = {"sequence": head["sequence"], "hash": head["hash"], "verified": None, "checked": 0}
    if verify:
        result = audit_verify()
        state.update(
            verified=result.ok,
            checked=result.checked,
            first_break=result.first_break,
            sequence=result.head_sequence if result.ok else head["sequence"],
            hash=result.head_hash if result.ok else head["hash"],
        )
    return state


def report_context(
    *, version: ModelVersion, generated_by: str = "", variant: str = "", verify_chain: bool = True
) -> dict[str, Any]:
    """Everything the model report template shows, for one version."""
    model = version.model
    chain = chain_state(verify=verify_chain)
    card = getattr(version, "card", None)
    requests, requests_total = promotion_history(model)
    max_events = limit("REPORT_MAX_AUDIT_EVENTS")
    events_qs = AuditEvent.objects.filter(model_id=model.pk).order_by("-sequence")
    events_total = events_qs.count()
    events = list(
        events_qs.values("sequence", "occurred_at", "actor_name", "channel", "action", "object_repr", "hash")[
            :max_events
        ]
    )
    events.reverse()
    listing = event_listing(
        [
            (
                e["sequence"],
                e["occurred_at"].astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
                e["actor_name"],
                e["channel"],
                e["action"],
                e["object_repr"],
                e["hash"][:12],
            )
            for e in events
        ]
    )
    sections = [
        {"key": label, "title": title, **app_section(label, version=version, empty_text=empty)}
        for label, title, empty in APP_SECTIONS
    ]
    generated_at = timezone.now()
    title = f"Governance report: {model.name} v{version.version}"
    summary = cover_summary(version, requests)
    return {
        "doc": {
            "title": title,
            "subject": f"Governance evidence for {model.name} version {version.version} ({version.stage})",
            "author": person_named(generated_by) if generated_by else "mlops-gov",
            "generated_at": generated_at,
            "generated_by": person_named(generated_by),
            "variant": variant,
        },
        "summary": summary,
        "model": model,
        "version": version,
        "lineage": _lineage(version),
        "card": [(CARD_LABELS[f], getattr(card, f, "") if card is not None else "") for f in MODEL_CARD_FIELDS],
        "has_card": card is not None,
        "metrics": sorted((version.metrics or {}).items())[:100],
        "parameters": sorted((version.parameters or {}).items())[:100],
        "chain": chain,
        "requests": requests,
        "requests_total": requests_total,
        "requests_shown": len(requests),
        "sections": sections,
        "events": events,
        "events_listing": listing,
        "events_total": events_total,
        "events_shown": len(events),
    }


# --- the portfolio ----------------------------------------------------------------------------------------------------


def portfolio_rows() -> tuple[list[dict[str, Any]], int]:
    production = (
        ModelVersion.objects.filter(stage=Stage.PRODUCTION)
        .select_related("model__owner", "model__team")
        .order_by("model__name")
    )
    total = production.count()
    versions = list(production[: limit("REPORT_MAX_PORTFOLIO_MODELS")])
    applied = (
        PromotionRequest.objects.filter(version__in=versions, kind=RequestKind.STAGE, status=RequestStatus.APPLIED)
        .prefetch_related(Prefetch("decisions", queryset=Approval.objects.select_related("approver")))
        .order_by("version_id", "-closed_at")
    )
    approval_of: dict[int, PromotionRequest] = {}
    for applied_request in applied:
        approval_of.setdefault(applied_request.version_id, applied_request)
    rows = []
    for version in versions:
        request = approval_of.get(version.pk)
        maturity = app_portfolio_row("assessments", version=version)
        monitoring = app_portfolio_row("monitoring", version=version)
        rows.append(
            {
                "model": version.model,
                "version": version,
                "approved_at": request.closed_at if request else None,
                "approvers": [
                    d.approver.get_username() for d in request.decisions.all() if d.decision == Decision.APPROVE
                ]
                if request
                else [],
                "maturity_score": maturity.get("maturity_score"),
                "maturity_label": maturity.get("maturity_label", ""),
                "assessed_at": maturity.get("assessed_at"),
                "maturity_error": bool(maturity.get("error")),
                "measured_score": maturity.get("measured_score"),
                "drift_status": monitoring.get("drift_status") or "no check",
                "drift_share": monitoring.get("drift_share"),
                "last_check_at": monitoring.get("last_check_at"),
                "monitoring_error": bool(monitoring.get("error")),
            }
        )
    return rows, total


def portfolio_context(*, generated_by: str = "", variant: str = "", verify_chain: bool = True) -> dict[str, Any]:
    rows, total = portfolio_rows()
    return {
        "doc": {
            "title": "Governance portfolio: models in production",
            "subject": "Every production model with its owner, risk tier, approval, maturity and drift status",
            "author": generated_by or "mlops-gov",
            "generated_at": timezone.now(),
            "generated_by": generated_by or "system",
            "variant": variant,
        },
        "rows": rows,
        "rows_total": total,
        "chain": chain_state(verify=verify_chain),
        "drifting": sum(1 for r in rows if r["drift_status"] == "drift"),
        "unchecked": sum(1 for r in rows if r["drift_status"] == "no check"),
    }


def dashboard_cards(*, user) -> list[dict[str, Any]]:
    qs = report_list(user=user)
    latest: datetime | None = qs.values_list("created_at", flat=True).first()
    card: dict[str, Any] = {"label": "Governance reports", "value": qs.count(), "url": reverse("reports:report-list")}
    if latest is not None:
        card["note"] = f"latest {latest:%Y-%m-%d %H:%M}"
    return [card]


def needs_me(*, user) -> list[dict[str, Any]]:
    """For auditors: the reports generated lately (a 14-day trend of reports per day)."""
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from mlops_gov.svg import daily_counts, sparkline

    if not permissions.is_auditor(user):
        return []
    now = timezone.now()
    days = 14
    recent = GovernanceReport.objects.filter(created_at__gte=now - timedelta(days=days))
    trend = daily_counts(recent.values_list("created_at", flat=True), days=days, now=now)
    return [
        {
            "group": "Audit",
            "label": "Reports generated in the last 7 days",
            "value": recent.filter(created_at__gte=now - timedelta(days=7)).count(),
            "url": reverse("reports:report-list"),
            "trend_svg": sparkline(trend, label=f"Reports per day, last {days} days"),
        }
    ]
