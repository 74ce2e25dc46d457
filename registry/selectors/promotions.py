"""Promotion request reads: lists, the approvals inbox, approval progress and the evidence behind a request."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mlops_gov.actors import Actor, Viewer
from registry.choices import Independence, RequestStatus, Stage
from registry.models import (
    Approval,
    ModelVersion,
    PromotionPolicy,
    PromotionRequest,
    StageTransition,
)
from registry.selectors.policies import policy_of


def request_list(*, status: str = "") -> QuerySet[PromotionRequest]:
    qs = PromotionRequest.objects.select_related("version__model", "requested_by").prefetch_related(
        Prefetch("decisions", queryset=Approval.objects.select_related("approver"))
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def requests_awaiting(user: Actor) -> QuerySet[PromotionRequest]:
    """Open requests this approver may still decide: not their own, not already decided by them on the current
    evidence, and none where the tier's independence rule excludes them (their own or their team's models)."""
    decided = Approval.objects.filter(request=OuterRef("pk"), approver=user, evidence_hash=OuterRef("evidence_hash"))
    independent_tiers = PromotionPolicy.objects.filter(independence=Independence.OUTSIDE_TEAM).values("risk_tier")
    return (
        request_list(status=RequestStatus.OPEN)
        .exclude(requested_by=user)
        .exclude(Exists(decided))
        .exclude(version__model__risk_tier__in=independent_tiers, version__model__owner=user)
        .exclude(version__model__risk_tier__in=independent_tiers, version__model__team__members=user)
    )


def my_requests(user: Actor, *, status: str = "") -> QuerySet[PromotionRequest]:
    qs = request_list(status=status).filter(requested_by=user)
    return qs


def open_requests_for(version: ModelVersion) -> QuerySet[PromotionRequest]:
    return PromotionRequest.objects.filter(version=version, status=RequestStatus.OPEN).order_by("created_at")


def applied_summary(request: PromotionRequest) -> dict[str, Any]:
    """What applying a request changed: the version and its new place, and the versions it archived."""
    archived = (
        StageTransition.objects.filter(promotion_request=request, to_stage=Stage.ARCHIVED, alias="")
        .exclude(version_id=request.version_id)
        .values_list("version__version", flat=True)
    )
    target = f"@{request.alias}" if request.alias else "in production"
    return {
        "version": request.version.version,
        "model": request.version.model.name,
        "target": target,
        "archived": sorted(archived),
    }


def approval_progress(request: PromotionRequest) -> tuple[int, int]:
    """(distinct approvals that count: from people other than the requester, given on the request's current
    evidence; approvals needed now)."""
    approvals = (
        request.decisions.filter(decision="approve", evidence_hash=request.evidence_hash)
        .exclude(approver_id=request.requested_by_id)
        .values("approver")
        .distinct()
        .count()
    )
    policy = PromotionPolicy.objects.filter(risk_tier=request.version.model.risk_tier).first()
    needed = max(request.approvals_required, policy.approvals_required if policy else 0)
    return approvals, needed


def voided_approvals(request: PromotionRequest) -> int:
    """Approvals given on evidence the request no longer has: they do not count."""
    return request.decisions.filter(decision="approve").exclude(evidence_hash=request.evidence_hash).count()


def awaiting_count(user: Viewer | None) -> int:
    """How many requests wait for this user's decision (0 for anyone who may not decide)."""
    from registry import permissions

    if not permissions.can_decide(user):
        return 0
    return requests_awaiting(user).count()


def approvals_inbox(user: Actor) -> QuerySet[PromotionRequest]:
    """The requests this approver may decide, oldest first (the longest wait is served first)."""
    return requests_awaiting(user).select_related("version__model").order_by("created_at", "id")


_EVIDENCE_PATTERNS = (
    ("assessment", re.compile(r"Assessment #(\d+)"), "assessments:assessment-detail", gettext_lazy("Assessment #%s")),
    ("drift_check", re.compile(r"[Dd]rift check #(\d+)"), "monitoring:check-detail", gettext_lazy("Drift check #%s")),
)


def gate_status(gate: dict[str, Any]) -> str:
    """'passed', 'failed' or 'not_configured' (passed only because the policy sets nothing to check)."""
    if not gate.get("passed"):
        return "failed"
    if gate.get("configured") is False:
        return "not_configured"
    detail = str(gate.get("detail", ""))
    # Results stored before gates said so themselves.
    if detail.startswith(("The policy sets no metric thresholds", "All 0 required model-card fields")):
        return "not_configured"
    return "passed"


def gate_summary(request: PromotionRequest) -> dict[str, int]:
    summary = {"passed": 0, "failed": 0, "not_configured": 0}
    for gate in request.gate_results or []:
        summary[gate_status(gate)] += 1
    return summary


def _evidence_links(gate: dict[str, Any], version: ModelVersion) -> list[dict[str, str]]:
    links: list[dict[str, str]] = []
    evidence = gate.get("evidence")
    if not isinstance(evidence, dict):
        evidence = {}
    text = str(gate.get("detail", ""))
    for key, pattern, url_name, label in _EVIDENCE_PATTERNS:
        ident = evidence.get(key) or evidence.get(f"{key}_id")
        if ident is None:
            match = pattern.search(text)
            ident = match.group(1) if match else None
        if ident is not None:
            links.append({"label": str(label) % ident, "url": reverse(url_name, args=[int(ident)])})
    version_url = reverse("registry:version-detail", args=[version.model.name, version.version])
    if gate.get("name") == "model_card":
        links.append(
            {"label": _("Model card of v%(number)s") % {"number": version.version}, "url": version_url + "#card"}
        )
    if gate.get("name") == "metrics":
        links.append(
            {"label": _("Metrics of v%(number)s") % {"number": version.version}, "url": version_url + "#lineage"}
        )
    return links


def request_evidence(request: PromotionRequest) -> dict[str, Any]:
    """Every gate with its status and links to what it judged, the governance report preview, and the policy."""
    version = request.version
    model = version.model
    gates = [
        {**gate, "status": gate_status(gate), "links": _evidence_links(gate, version)}
        for gate in request.gate_results or []
    ]
    snapshot = getattr(request, "policy_snapshot", None)
    policy = policy_of(model)
    return {
        "gates": gates,
        "report_url": reverse("reports:model-preview", args=[model.name]) + f"?version={version.version}",
        "card_url": reverse("registry:version-detail", args=[model.name, version.version]) + "#card",
        "drift_url": reverse("monitoring:version-detail", args=[model.name, version.version]),
        "policy_snapshot": snapshot if isinstance(snapshot, dict) and snapshot else None,
        "policy": policy,
        "approvals": approval_progress(request),
    }


def eligible_approvers(request: PromotionRequest) -> QuerySet[Actor]:
    """Who may decide ``request``: active approvers (and administrators), never its requester."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    perm = Permission.objects.filter(content_type__app_label="registry", codename="decide_promotionrequest").first()
    holders = Q(is_superuser=True)
    if perm is not None:
        holders |= Q(groups__permissions=perm) | Q(user_permissions=perm)
    decided = Approval.objects.filter(request=request, approver=OuterRef("pk"), evidence_hash=request.evidence_hash)
    users = (
        get_user_model()
        .objects.filter(holders, is_active=True)
        .exclude(pk=request.requested_by_id)
        .exclude(Exists(decided))
    )
    model = request.version.model
    policy = policy_of(model)
    if policy is not None and policy.independence == Independence.OUTSIDE_TEAM:
        users = users.exclude(pk=model.owner_id)
        if model.team_id is not None:
            users = users.exclude(teams=model.team_id)
    return users.distinct().order_by("pk")
