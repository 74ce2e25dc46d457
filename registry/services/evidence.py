"""What approvers approve: a promotion request's gate results bound to the evidence they judged.

An approval records the hash of the request's evidence snapshot (registry.domain.evidence) at the time of the
decision. Every evaluation stores the current snapshot on the request; when it differs from the stored one the change
is audited and the approvals taken on the old evidence stop counting. Also the independence rule of the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from mlops_gov.actors import Actor
from registry.audit import audit_record
from registry.choices import Decision
from registry.domain.evidence import evidence_hash, evidence_snapshot, independence_refusal
from registry.gates import evaluate_gates
from registry.models import ModelVersion, PromotionPolicy, PromotionRequest, RegisteredModel
from registry.services.common import snapshot


@dataclass(frozen=True)
class Evidence:
    results: list[dict[str, Any]]
    passed: bool
    digest: str

    @property
    def failing(self) -> list[str]:
        return [r["name"] for r in self.results if not r["passed"]]


def evaluate(version: ModelVersion, policy: PromotionPolicy) -> Evidence:
    results = [r.as_dict() for r in evaluate_gates(version, policy)]
    digest = evidence_hash(evidence_snapshot(snapshot(policy), results))
    return Evidence(results=results, passed=all(r["passed"] for r in results), digest=digest)


def store(request: PromotionRequest, evidence: Evidence, *, actor: Actor) -> bool:
    """Put ``evidence`` on the request (caller holds the request lock). Returns True when it differs from what was
    there: that change is audited, with how many approvals it voided."""
    previous = request.evidence_hash
    changed = evidence.digest != previous
    request.gate_results, request.gates_passed = evidence.results, evidence.passed
    request.gates_evaluated_at, request.evidence_hash = timezone.now(), evidence.digest
    request.save(update_fields=["gate_results", "gates_passed", "gates_evaluated_at", "evidence_hash"])
    if changed and previous:
        voided = request.decisions.filter(decision=Decision.APPROVE, evidence_hash=previous).count()
        audit_record(
            action="promotion.evidence_changed",
            obj=request,
            model=request.version.model,
            before={"evidence_hash": previous},
            after={"evidence_hash": evidence.digest, "gates": evidence.results, "approvals_voided": voided},
            actor=actor,
        )
    return changed


def counting_approvals(request: PromotionRequest) -> int:
    """Distinct approvers (never the requester) whose approval was given on the request's current evidence."""
    approvals = request.decisions.filter(decision=Decision.APPROVE, evidence_hash=request.evidence_hash)
    return approvals.exclude(approver_id=request.requested_by_id).values("approver").distinct().count()


def independence_problem(actor: Actor, model: RegisteredModel, policy: PromotionPolicy) -> str:
    """Why ``actor`` may not approve a request on ``model`` under the policy's independence rule ("" if they may)."""
    return independence_refusal(
        policy.independence,
        approver_owns_model=model.owner_id == actor.pk,
        approver_in_team=model.team is not None and model.team.members.filter(pk=actor.pk).exists(),
    )
