"""What an approval approves: the evidence snapshot of a promotion request, and its hash. No Django imports.

A snapshot is the policy the gates were judged under (its id and every rule it sets) and, per gate, whether it
passed and the ids of what it judged (assessment, drift check, model-card revision, recorded metrics). The free-text
details are left out: they restate the evidence and may name ages that change by the day.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any


def evidence_snapshot(policy: Mapping[str, Any], gates: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        "policy": dict(policy),
        "gates": [
            {"name": g["name"], "passed": bool(g["passed"]), "evidence": dict(g.get("evidence") or {})} for g in gates
        ],
    }


def evidence_hash(snapshot: Mapping[str, Any]) -> str:
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- independence of the approvers (per risk tier) -------------------------------------------------------------------

INDEPENDENCE_NONE = "none"
INDEPENDENCE_OUTSIDE_TEAM = "outside_team"


def independence_refusal(rule: str, *, approver_owns_model: bool, approver_in_team: bool) -> str:
    """Why an approver is not independent enough under ``rule``, or "" when they are."""
    if rule == INDEPENDENCE_OUTSIDE_TEAM and (approver_owns_model or approver_in_team):
        return "independence: the policy of this risk tier needs approvers from outside the model's owner and team"
    return ""
