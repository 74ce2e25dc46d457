"""The portfolio report: every production model with its approval, maturity and drift status."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.choices import Decision, RequestKind, RequestStatus, Stage
from registry.models import Approval, ModelVersion, PromotionRequest
from reports.constants import limit
from reports.selectors.model_report import chain_state
from reports.selectors.sections import app_portfolio_row


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
            "title": _("Governance portfolio: models in production"),
            "subject": _("Every production model with its owner, risk tier, approval, maturity and drift status"),
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
