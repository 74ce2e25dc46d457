"""Promotion policies per risk tier: created and edited by administrators only."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from mlops_gov.actors import Actor
from mlops_gov.errors import ConflictError
from registry.audit import audit_record
from registry.constants import DEFAULT_POLICIES
from registry.models import PromotionPolicy, RegisteredModel
from registry.services.common import full_clean, require, snapshot
from registry.services.stages import drop_newly_protected_aliases

# --- policies -------------------------------------------------------------------------------------------------------


@transaction.atomic
def policy_update(*, policy: PromotionPolicy, actor: Actor, **changes: Any) -> PromotionPolicy:
    require(bool(actor and actor.is_superuser), "Only administrators may edit promotion policies.")
    policy = PromotionPolicy.objects.select_for_update().get(pk=policy.pk)
    was_protected = set(policy.protected_aliases or [])
    before = snapshot(policy, tuple(changes))
    for key, value in changes.items():
        setattr(policy, key, value)
    full_clean(policy)
    after = snapshot(policy, tuple(changes))
    if after == before:
        return policy  # nothing changed: no write, no event
    policy.save()
    audit_record(action="policy.updated", obj=policy, before=before, after=after, actor=actor)
    drop_newly_protected_aliases(
        models=RegisteredModel.objects.filter(risk_tier=policy.risk_tier).order_by("name"),
        was_protected=was_protected,
        actor=actor,
        reason=f"policy of risk tier {policy.risk_tier}",
    )
    return policy


@transaction.atomic
def policy_create(*, actor: Actor, risk_tier: str, **fields: Any) -> PromotionPolicy:
    require(bool(actor and actor.is_superuser), "Only administrators may create promotion policies.")
    if PromotionPolicy.objects.filter(risk_tier=risk_tier).exists():
        raise ConflictError(f"A promotion policy for risk tier '{risk_tier}' already exists; edit it instead.")
    policy = PromotionPolicy(risk_tier=risk_tier, **fields)
    full_clean(policy)
    policy.save()
    audit_record(action="policy.created", obj=policy, after=snapshot(policy), actor=actor)
    return policy


def policies_ensure_defaults() -> int:
    """Create the default policy of each risk tier that has none (never overwrites an edited policy)."""
    created = 0
    for tier, values in DEFAULT_POLICIES.items():
        _, was_created = PromotionPolicy.objects.get_or_create(risk_tier=tier, defaults=dict(values))
        created += was_created
    return created
