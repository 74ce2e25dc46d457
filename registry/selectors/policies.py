"""Promotion policy reads: the policy of a model's risk tier and the aliases it protects."""

from __future__ import annotations

from mlops_gov.errors import ConflictError
from registry.models import (
    PromotionPolicy,
    RegisteredModel,
)


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


def policy_of(model: RegisteredModel) -> PromotionPolicy | None:
    return PromotionPolicy.objects.filter(risk_tier=model.risk_tier).first()
