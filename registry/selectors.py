"""Registry reads: querysets shaped for each interface, with the related rows they need (no N+1)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from mlops_gov.errors import ConflictError
from registry.choices import MODEL_CARD_FIELDS, Independence, RequestStatus, Stage
from registry.filters import (
    AUDIT_ORDERING,
    MODEL_ORDERING,
    REQUEST_ORDERING,
    AuditEventFilter,
    PromotionRequestFilter,
    RegisteredModelFilter,
)
from registry.models import (
    Approval,
    AuditEvent,
    ModelAlias,
    ModelCard,
    ModelVersion,
    PromotionPolicy,
    PromotionRequest,
    RegisteredModel,
    StageTransition,
)


def model_list(*, search: str = "", stage: str = "", risk_tier: str = "") -> QuerySet[RegisteredModel]:
    # A correlated count, evaluated for the page's rows only: a JOIN + GROUP BY would aggregate every version of
    # every model before the page is cut (measured: 13 ms of 15 on 1,000 models x 10 versions, and in the COUNT too).
    versions_of_model = (
        ModelVersion.objects.filter(model=OuterRef("pk")).order_by().values("model").annotate(n=Count("pk")).values("n")
    )
    qs = RegisteredModel.objects.select_related("owner", "team").annotate(
        version_count=Coalesce(Subquery(versions_of_model), 0)
    )
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(description__icontains=search) | Q(team__name__icontains=search))
    if stage:
        qs = qs.filter(versions__stage=stage).distinct()
    if risk_tier:
        qs = qs.filter(risk_tier=risk_tier)
    return qs.prefetch_related(
        Prefetch(
            "versions",
            queryset=ModelVersion.objects.filter(stage=Stage.PRODUCTION),
            to_attr="production_versions",
        )
    ).order_by("name")


def version_list(*, model: RegisteredModel | None = None) -> QuerySet[ModelVersion]:
    qs = ModelVersion.objects.select_related("model", "created_by", "parent", "card").prefetch_related("aliases")
    if model is not None:
        qs = qs.filter(model=model)
    return qs.order_by("model__name", "-version")


def alias_list(*, model: RegisteredModel | None = None) -> QuerySet[ModelAlias]:
    qs = ModelAlias.objects.select_related("model", "version")
    if model is not None:
        qs = qs.filter(model=model)
    return qs.order_by("model__name", "alias")


def policy_for(model: RegisteredModel) -> PromotionPolicy:
    """The promotion policy of the model's risk tier; a conflict (for the caller to show) when there is none."""
    policy = PromotionPolicy.objects.filter(risk_tier=model.risk_tier).first()
    if policy is None:
        raise ConflictError(f"No promotion policy exists for risk tier '{model.risk_tier}'. Ask an administrator.")
    return policy


def protected_aliases(risk_tier: str) -> set[str]:
    """The aliases that move only through an approved promotion request at this risk tier."""
    policy = PromotionPolicy.objects.filter(risk_tier=risk_tier).first()
    return set(policy.protected_aliases or []) if policy is not None else set()


def is_protected_alias(model: RegisteredModel, alias: str) -> bool:
    return alias in protected_aliases(model.risk_tier)


def request_list(*, status: str = "") -> QuerySet[PromotionRequest]:
    qs = PromotionRequest.objects.select_related("version__model", "requested_by").prefetch_related(
        Prefetch("decisions", queryset=Approval.objects.select_related("approver"))
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def requests_awaiting(user) -> QuerySet[PromotionRequest]:
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


def audit_list() -> QuerySet[AuditEvent]:
    # The payload repeats every column (they are generated from it): listings leave it in the database.
    return AuditEvent.objects.defer("canonical").order_by("-sequence")


def model_audit(model: RegisteredModel) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.defer("canonical").filter(model_id=model.pk).order_by("-sequence")


def state_as_of(model: RegisteredModel, at: datetime) -> dict[str, Any]:
    """Which version was in production, and which version each alias pointed to, at time ``at``.

    One query over the transition history, newest first: the first row seen for each version (or alias) is its
    state at ``at``.
    """
    seen_versions: set[int] = set()
    production: StageTransition | None = None
    aliases: dict[str, StageTransition] = {}
    seen_aliases: set[str] = set()
    transitions = (
        StageTransition.objects.filter(model=model, at__lte=at)
        .select_related("version", "actor", "promotion_request")
        .order_by("-at", "-id")
    )
    for t in transitions:
        if t.alias:
            if t.alias not in seen_aliases:
                seen_aliases.add(t.alias)
                if t.to_stage == "set":
                    aliases[t.alias] = t
            continue
        if t.version_id in seen_versions:
            continue
        seen_versions.add(t.version_id)
        if t.to_stage == Stage.PRODUCTION and production is None:
            production = t
    return {
        "at": at,
        "production": _transition_info(production),
        "aliases": {name: _transition_info(t) for name, t in sorted(aliases.items())},
    }


def _transition_info(t: StageTransition | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {
        "version": t.version.version,
        "since": t.at,
        "moved_by": t.actor_name,
        "promotion_request": t.promotion_request_id,
    }


def dashboard_cards(*, user) -> list[dict[str, Any]]:
    counts = RegisteredModel.objects.aggregate(
        models=Count("id", distinct=True),
        production=Count("versions", filter=Q(versions__stage=Stage.PRODUCTION), distinct=True),
    )
    open_requests = PromotionRequest.objects.filter(status=RequestStatus.OPEN).count()
    cards = [
        {"label": "Registered models", "value": counts["models"], "url": reverse("registry:model-list")},
        {
            "label": "In production",
            "value": counts["production"],
            "url": reverse("registry:model-list") + "?stage=production",
        },
        {"label": "Open promotion requests", "value": open_requests, "url": reverse("registry:request-list")},
    ]
    if user.has_perm("registry.decide_promotionrequest"):
        cards.append(
            {
                "label": "Awaiting your decision",
                "value": requests_awaiting(user).count(),
                "url": reverse("registry:request-list") + "?awaiting=1",
            }
        )
    return cards


# --- authoring pages ------------------------------------------------------------------------------------------------


def policy_of(model: RegisteredModel) -> PromotionPolicy | None:
    return PromotionPolicy.objects.filter(risk_tier=model.risk_tier).first()


def version_get(*, model_name: str, number: int) -> ModelVersion | None:
    return (
        ModelVersion.objects.select_related("model__team", "model__owner", "created_by", "parent", "card")
        .prefetch_related("aliases")
        .filter(model__name=model_name, version=number)
        .first()
    )


def card_completeness(card: ModelCard | None, policy: PromotionPolicy | None) -> list[dict[str, Any]]:
    """Per card field: filled in or not, and whether the model's policy requires it for production."""
    required = set((policy.required_card_fields if policy else []) or [])
    return [
        {
            "name": name,
            "label": str(getattr(ModelCard._meta.get_field(name), "verbose_name", name)).capitalize(),
            "filled": bool(card is not None and str(getattr(card, name) or "").strip()),
            "required": name in required,
        }
        for name in MODEL_CARD_FIELDS
    ]


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


# --- approvals inbox and the evidence behind a request --------------------------------------------------------------

_EVIDENCE_PATTERNS = (
    ("assessment", re.compile(r"Assessment #(\d+)"), "assessments:assessment-detail", "Assessment #{}"),
    ("drift_check", re.compile(r"[Dd]rift check #(\d+)"), "monitoring:check-detail", "Drift check #{}"),
)


def awaiting_count(user) -> int:
    """How many requests wait for this user's decision (0 for anyone who may not decide)."""
    from registry import permissions

    if not permissions.can_decide(user):
        return 0
    return requests_awaiting(user).count()


def approvals_inbox(user) -> QuerySet[PromotionRequest]:
    """The requests this approver may decide, oldest first (the longest wait is served first)."""
    return requests_awaiting(user).select_related("version__model").order_by("created_at", "id")


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
            links.append({"label": label.format(ident), "url": reverse(url_name, args=[int(ident)])})
    version_url = reverse("registry:version-detail", args=[version.model.name, version.version])
    if gate.get("name") == "model_card":
        links.append({"label": f"Model card of v{version.version}", "url": version_url + "#card"})
    if gate.get("name") == "metrics":
        links.append({"label": f"Metrics of v{version.version}", "url": version_url + "#lineage"})
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


def eligible_approvers(request: PromotionRequest) -> QuerySet:
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


def my_requests(user, *, status: str = "") -> QuerySet[PromotionRequest]:
    qs = request_list(status=status).filter(requested_by=user)
    return qs


def needs_me(*, user) -> list[dict[str, Any]]:
    """Dashboard cards of what waits for this user in the registry: their open requests, requests awaiting their
    decision (with a 14-day trend of requests opened)."""
    from django.utils import timezone

    from mlops_gov.svg import daily_counts, sparkline
    from registry import permissions

    cards: list[dict[str, Any]] = []
    now = timezone.now()
    days = 14
    if permissions.can_create_models(user):
        opened = (
            my_requests(user).filter(created_at__gte=now - timedelta(days=days)).values_list("created_at", flat=True)
        )
        cards.append(
            {
                "group": "Your work",
                "label": "Your open promotion requests",
                "value": my_requests(user, status=RequestStatus.OPEN).count(),
                "url": reverse("registry:request-list") + "?status=open&mine=1",
                "trend_svg": sparkline(
                    daily_counts(opened, days=days, now=now), label=f"Requests you opened per day, last {days} days"
                ),
            }
        )
    if permissions.can_decide(user):
        opened = PromotionRequest.objects.filter(created_at__gte=now - timedelta(days=days)).values_list(
            "created_at", flat=True
        )
        cards.append(
            {
                "group": "Your decisions",
                "label": "Requests awaiting your decision",
                "value": awaiting_count(user),
                "url": reverse("registry:approvals"),
                "trend_svg": sparkline(
                    daily_counts(opened, days=days, now=now), label=f"Requests opened per day, last {days} days"
                ),
            }
        )
    return cards


# --- list filters: the FilterSet the page and the API share, over the list's queryset ------------------------------


def ordered(qs: QuerySet, ordering: str, allowed: tuple[str, ...], tiebreak: str = "-pk") -> QuerySet:
    """Sort by a whitelisted key (``-key`` descending), as the API's ``ordering`` parameter does; else unchanged."""
    if ordering.lstrip("-") in allowed:
        return qs.order_by(ordering, tiebreak)
    return qs


def model_filter(params: Any, *, ordering: str = "") -> RegisteredModelFilter:
    return RegisteredModelFilter(
        params if params is not None else {}, queryset=ordered(model_list(), ordering, MODEL_ORDERING, "name")
    )


def request_filter(params: Any, *, request: Any = None, ordering: str = "") -> PromotionRequestFilter:
    qs = ordered(request_list(), ordering, REQUEST_ORDERING, "-id")
    return PromotionRequestFilter(params if params is not None else {}, queryset=qs, request=request)


def audit_filter(params: Any, *, ordering: str = "") -> AuditEventFilter:
    return AuditEventFilter(
        params if params is not None else {}, queryset=ordered(audit_list(), ordering, AUDIT_ORDERING, "-sequence")
    )
