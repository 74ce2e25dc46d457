"""Reports test factories: a model of the persona team taken to production through the real services."""

from __future__ import annotations

from typing import Any

from registry import services
from registry.models import ModelVersion, PromotionRequest, RegisteredModel
from tests.fixtures.personas import Personas
from tests.registry.factories import FULL_CARD


def make_model(personas: Personas, name: str = "credit-scoring", **fields: Any) -> RegisteredModel:
    fields.setdefault("risk_tier", "low")
    return services.model_create(actor=personas.scientist, name=name, team=personas.team, **fields)


def make_version(
    personas: Personas,
    model: RegisteredModel,
    *,
    card: dict[str, str] | None = None,
    metrics: dict[str, Any] | None = None,
    **fields: Any,
) -> ModelVersion:
    """A staged version with a model card (complete unless ``card`` gives the fields)."""
    version = services.version_create(
        model=model,
        actor=personas.scientist,
        source_uri=fields.pop("source_uri", f"s3://models/{model.name}/artifact.skops"),
        metrics=metrics if metrics is not None else {"accuracy": 0.91},
        **fields,
    )
    services.card_update(version=version, actor=personas.scientist, **(card or FULL_CARD))
    services.version_transition(version=version, target="staging", actor=personas.scientist)
    version.refresh_from_db()
    return version


def promote(
    personas: Personas,
    version: ModelVersion,
    *,
    justification: str = "Beats v0 on every metric.",
    comment: str = "Looks good.",
) -> PromotionRequest:
    request, _ = services.promotion_request_create(
        version=version, actor=personas.scientist, justification=justification
    )
    services.promotion_decide(request=request, actor=personas.approver, decision="approve", comment=comment)
    version.refresh_from_db()
    assert version.stage == "production", request.gate_results
    return request
