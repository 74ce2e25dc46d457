"""Registry test factories: a model owned by the persona team, versions with complete cards, policies set per test,
and the audit events a test looks for. Plain functions over the real services (every row is audited, as in use)."""

from __future__ import annotations

from typing import Any

from registry import services
from registry.choices import MODEL_CARD_FIELDS
from registry.models import AuditEvent, ModelVersion, PromotionPolicy, RegisteredModel
from tests.fixtures.personas import Personas

FULL_CARD = {name: f"{name.replace('_', ' ')} text" for name in MODEL_CARD_FIELDS}


def make_model(
    personas: Personas, name: str = "credit-scoring", risk_tier: str = "low", **fields: Any
) -> RegisteredModel:
    return services.model_create(actor=personas.scientist, name=name, team=personas.team, risk_tier=risk_tier, **fields)


def make_version(
    personas: Personas,
    model: RegisteredModel,
    *,
    stage: str = "staging",
    metrics: dict[str, Any] | None = None,
    card: bool = True,
    **fields: Any,
) -> ModelVersion:
    version = services.version_create(
        model=model,
        actor=personas.scientist,
        source_uri=fields.pop("source_uri", f"s3://models/{model.name}/artifact.skops"),
        metrics=metrics if metrics is not None else {"accuracy": 0.91},
        **fields,
    )
    if card:
        services.card_update(version=version, actor=personas.scientist, **FULL_CARD)
    if stage != "none":
        services.version_transition(version=version, target=stage, actor=personas.scientist)
    version.refresh_from_db()
    return version


def set_policy(risk_tier: str, **changes: Any) -> PromotionPolicy:
    policy = PromotionPolicy.objects.get(risk_tier=risk_tier)
    for key, value in changes.items():
        setattr(policy, key, value)
    policy.save()
    return policy


def events(action: str | None = None, **filters: Any) -> list[AuditEvent]:
    qs = AuditEvent.objects.order_by("sequence")
    if action:
        qs = qs.filter(action=action)
    return list(qs.filter(**filters))
