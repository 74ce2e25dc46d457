"""Registry services: every write to the registry, each in one transaction with its audit event(s).

The package is split along its seams (catalogue, stages and aliases, promotions, policies); every public name stays
importable as ``registry.services.X``.
"""

from __future__ import annotations

from registry.selectors import is_protected_alias, policy_for
from registry.services.catalogue import (
    card_update,
    model_create,
    model_delete,
    model_rename,
    model_update,
    version_create,
    version_delete,
    version_update,
)
from registry.services.common import (
    MODEL_EDITABLE,
    RISK_ORDER,
    VERSION_EDITABLE,
    VERSION_EVIDENCE,
    snapshot,
    validate_source,
)
from registry.services.policies import policies_ensure_defaults, policy_create, policy_update
from registry.services.promotions import (
    promotion_decide,
    promotion_recheck,
    promotion_request_create,
    promotion_request_stage_and_create,
    promotion_withdraw,
)
from registry.services.stages import alias_delete, alias_set, version_transition
from registry.services.teams import team_create, team_delete, team_update

__all__ = [
    "MODEL_EDITABLE",
    "RISK_ORDER",
    "VERSION_EDITABLE",
    "VERSION_EVIDENCE",
    "alias_delete",
    "alias_set",
    "card_update",
    "is_protected_alias",
    "model_create",
    "model_delete",
    "model_rename",
    "model_update",
    "policies_ensure_defaults",
    "policy_create",
    "policy_for",
    "policy_update",
    "promotion_decide",
    "promotion_recheck",
    "promotion_request_create",
    "promotion_request_stage_and_create",
    "promotion_withdraw",
    "snapshot",
    "team_create",
    "team_delete",
    "team_update",
    "validate_source",
    "version_create",
    "version_delete",
    "version_transition",
    "version_update",
]
