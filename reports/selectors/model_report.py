"""One model version's report: its card, lineage, promotion history, cover summary, audit chain and events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mlops_gov.actors import Actor
from registry.audit import audit_head, audit_verify
from registry.choices import MODEL_CARD_FIELDS, Decision, RequestStatus
from registry.models import Approval, AuditEvent, ModelVersion, PromotionRequest, RegisteredModel
from reports.constants import limit
from reports.domain.text import event_listing
from reports.selectors.sections import APP_SECTIONS, app_portfolio_row, app_section

CARD_LABELS = {
    "intended_use": gettext_lazy("Intended use"),
    "out_of_scope_use": gettext_lazy("Out-of-scope use"),
    "training_data": gettext_lazy("Training data"),
    "evaluation_data": gettext_lazy("Evaluation data"),
    "metrics": gettext_lazy("Metrics"),
    "ethical_considerations": gettext_lazy("Ethical considerations"),
    "caveats": gettext_lazy("Caveats"),
}


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


def person(user: Actor | None) -> str:
    """A person as a report names them: "Ava Lindqvist (ava)", or the username when no name is recorded."""
    if user is None:
        return "—"
    full = (user.get_full_name() or "").strip()
    return f"{full} ({user.get_username()})" if full else user.get_username()


def person_named(username: str) -> str:
    """The person behind a username (the one who asked for the document), else the name as given."""
    from django.contrib.auth import get_user_model

    if not username:
        return _("the system (automatic)")
    user = get_user_model().objects.filter(username=username).first()
    return person(user) if user is not None else username


def _date(value: dt.datetime | None) -> str:
    """A date in the active language: 2026-12-01, or 2026년 12월 1일 in Korean."""
    if value is None:
        return ""
    from django.utils.formats import date_format
    from django.utils.translation import get_language

    return date_format(value, "Y년 n월 j일" if (get_language() or "").startswith("ko") else "Y-m-d")


def cover_summary(version: ModelVersion, requests: list[dict[str, Any]]) -> dict[str, Any]:
    """The one-page executive summary: the decision behind the version's place, who asked and who approved (by
    name), the gate verdicts, the latest drift and maturity status, and who is to sign."""
    mine = [row for row in requests if row["request"].version_id == version.pk]
    applied = [row for row in mine if row["request"].status == RequestStatus.APPLIED]
    row: dict[str, Any] | None = (applied or mine)[-1] if (applied or mine) else None
    if row is None:
        decision = _("No promotion request recorded: the version is in %(stage)s.") % {
            "stage": str(version.get_stage_display()).lower()
        }
    else:
        request = row["request"]
        values = {
            "version": version.version,
            "target": request.target_label,
            "pk": request.pk,
            "status": str(request.get_status_display()).lower(),
            "when": _date(request.closed_at),
        }
        if request.status == RequestStatus.APPLIED:
            decision = (
                _("Approved and applied: v%(version)s moved to %(target)s on %(when)s (request #%(pk)s).")
                if request.closed_at
                else _("Approved and applied: v%(version)s moved to %(target)s (request #%(pk)s).")
            ) % values
        elif request.status == RequestStatus.OPEN:
            decision = _("Pending: request #%(pk)s to move v%(version)s to %(target)s awaits its approvals.") % values
        elif request.status == RequestStatus.REJECTED:
            decision = (
                _("Rejected on %(when)s: request #%(pk)s to move v%(version)s to %(target)s.")
                if request.closed_at
                else _("Rejected: request #%(pk)s to move v%(version)s to %(target)s.")
            ) % values
        else:
            decision = (
                _("Request #%(pk)s to %(target)s: %(status)s on %(when)s.")
                if request.closed_at
                else _("Request #%(pk)s to %(target)s: %(status)s.")
            ) % values
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
            (_("Model owner"), person(version.model.owner)),
            (_("Approver (model risk)"), approvals[0]["name"] if approvals else ""),
            (_("Internal audit"), ""),
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
        {"key": label, "title": _(title), **app_section(label, version=version, empty_text=_(empty))}
        for label, title, empty in APP_SECTIONS
    ]
    generated_at = timezone.now()
    title = _("Governance report: %(model)s v%(version)s") % {"model": model.name, "version": version.version}
    summary = cover_summary(version, requests)
    return {
        "doc": {
            "title": title,
            "subject": _("Governance evidence for %(model)s version %(version)s (%(stage)s)")
            % {"model": model.name, "version": version.version, "stage": version.get_stage_display()},
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
