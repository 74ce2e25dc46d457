"""Catalogue reads: models, versions, aliases, model cards, a model's history and its audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from registry.choices import MODEL_CARD_FIELDS, MODEL_CARD_LABELS, Stage
from registry.models import (
    AuditEvent,
    ModelAlias,
    ModelCard,
    ModelVersion,
    PromotionPolicy,
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
            "label": str(MODEL_CARD_LABELS.get(name, name)),
            "filled": bool(card is not None and str(getattr(card, name) or "").strip()),
            "required": name in required,
        }
        for name in MODEL_CARD_FIELDS
    ]


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


def audit_list() -> QuerySet[AuditEvent]:
    # The payload repeats every column (they are generated from it): listings leave it in the database.
    return AuditEvent.objects.defer("canonical").order_by("-sequence")


def model_audit(model: RegisteredModel) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.defer("canonical").filter(model_id=model.pk).order_by("-sequence")
