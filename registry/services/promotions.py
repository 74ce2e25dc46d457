"""Promotion requests (four-eyes): requests, decisions, applying and re-checking."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from mlops_gov.actors import Actor
from mlops_gov.errors import ConflictError, DomainError, PermissionError_
from registry import permissions
from registry.audit import audit_record
from registry.choices import Decision, RequestKind, RequestStatus, Stage
from registry.domain import lifecycle
from registry.models import Approval, ModelVersion, PromotionPolicy, PromotionRequest, RegisteredModel
from registry.selectors import is_protected_alias, policy_for
from registry.services import evidence
from registry.services.common import require
from registry.services.stages import alias_set, move_stage, version_transition

# --- promotion requests (four-eyes) ---------------------------------------------------------------------------------


@transaction.atomic
def promotion_request_create(
    *, version: ModelVersion, actor: Actor, justification: str, kind: str = RequestKind.STAGE, alias: str = ""
) -> tuple[PromotionRequest, bool]:
    """Open a request (or return the open one for the same target). Returns ``(request, created)``."""
    # Read the version's current state under the model lock (the caller's object may be stale).
    RegisteredModel.objects.select_for_update().filter(pk=version.model_id).first()
    version = ModelVersion.objects.select_related("model").get(pk=version.pk)
    model = version.model
    require(permissions.can_edit_model(actor, model), "Only the model's owner or team may request a promotion.")
    if not (justification or "").strip():
        raise ValidationError({"justification": ["Say why this version should be promoted."]})
    if kind == RequestKind.STAGE:
        alias = ""
        if version.stage == Stage.PRODUCTION:
            raise ConflictError(gettext("%(version)s is already in production.") % {"version": version})
        try:
            lifecycle.check_move(version.stage, Stage.PRODUCTION)
        except lifecycle.InvalidTransition as exc:
            raise ConflictError(str(exc)) from None
    elif kind == RequestKind.ALIAS:
        if not is_protected_alias(model, alias):
            # Well-formed, but the model's policy does not protect this alias (a state of the policy): 409.
            raise ConflictError(gettext("Alias '%(alias)s' is not protected; set it directly.") % {"alias": alias})
    else:
        raise DomainError(f"Unknown request kind '{kind}'.")
    RegisteredModel.objects.select_for_update().filter(pk=model.pk).first()
    existing = PromotionRequest.objects.filter(
        version=version, kind=kind, alias=alias, status=RequestStatus.OPEN
    ).first()
    if existing is not None:
        return existing, False
    policy = policy_for(model)
    found = evidence.evaluate(version, policy)
    request = PromotionRequest.objects.create(
        version=version,
        kind=kind,
        alias=alias,
        requested_by=actor,
        justification=justification.strip(),
        approvals_required=policy.approvals_required,
        gate_results=found.results,
        gates_passed=found.passed,
        gates_evaluated_at=timezone.now(),
        evidence_hash=found.digest,
    )
    audit_record(
        action="promotion.requested",
        obj=request,
        model=model,
        after={
            "version": version.version,
            "target": request.target_label,
            "justification": request.justification,
            "approvals_required": request.approvals_required,
            "gates": found.results,
            "evidence_hash": found.digest,
        },
        actor=actor,
    )
    return request, True


def _audit_refusal(
    request: PromotionRequest, actor: Actor, reason: str, action: str = "promotion.decision_refused"
) -> None:
    # Its own transaction: the refusal is recorded even though the caller's attempt is rolled back.
    with transaction.atomic():
        audit_record(action=action, obj=request, model=request.version.model, after={"reason": reason}, actor=actor)


def promotion_decide(
    *, request: PromotionRequest, actor: Actor, decision: str, comment: str = "", evidence_hash: str = ""
) -> PromotionRequest:
    """Approve or reject. Four-eyes: never the requester, whatever route or group membership; the policy's
    independence rule on top. An approval approves the request's current evidence: it is refused while a gate fails
    or when ``evidence_hash`` (what the approver was shown, if the caller passes it) is no longer current."""
    if decision not in Decision.values:
        raise DomainError(f"Decision must be one of: {', '.join(Decision.values)}.")
    if not permissions.can_decide(actor):
        _audit_refusal(request, actor, "not an approver")
        raise PermissionError_(gettext("Only approvers may approve or reject promotion requests."))
    if actor.pk == request.requested_by_id:
        _audit_refusal(request, actor, "four-eyes: the requester cannot decide their own request")
        raise PermissionError_(gettext("Four-eyes rule: you cannot approve or reject your own promotion request."))
    model = RegisteredModel.objects.select_related("team").get(pk=request.version.model_id)
    problem = evidence.independence_problem(actor, model, policy_for(model)) if decision == Decision.APPROVE else ""
    if problem:
        _audit_refusal(request, actor, problem)
        raise PermissionError_(gettext("Independence rule: %(rule)s") % {"rule": gettext(INDEPENDENCE_MESSAGE)})
    try:
        request, refusal = _with_deadlock_retry(
            lambda: _decide_locked(
                request_pk=request.pk, actor=actor, decision=decision, comment=comment, seen=evidence_hash
            )
        )
    except IntegrityError:
        # The database constraint is the last line: a self-approval or double vote that slipped through.
        _audit_refusal(request, actor, "refused by a database constraint (duplicate decision or four-eyes)")
        raise ConflictError(gettext("This decision was refused: you have already decided this request.")) from None
    if refusal:
        raise ConflictError(refusal)  # the refreshed gate results were stored; nothing was decided
    return request


INDEPENDENCE_MESSAGE = gettext_noop(
    "this model's risk tier needs an approver from outside its owner and team; ask an approver from another team."
)


T = TypeVar("T")


def _with_deadlock_retry(work: Callable[[], T], attempts: int = 3) -> T:
    """PostgreSQL may abort one of two transactions that wait on each other's row locks (deadlock) or fail a
    serialisation check; the aborted transaction was rolled back whole, so running it again is safe."""
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as exc:
            retryable = getattr(exc.__cause__, "sqlstate", None) in ("40P01", "40001")
            if not retryable or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


@transaction.atomic
def _decide_locked(
    *, request_pk: int, actor: Actor, decision: str, comment: str, seen: str
) -> tuple[PromotionRequest, str]:
    """Returns ``(request, refusal)``: a refusal is a message for an approval that cannot be taken on the current
    evidence (the re-evaluated gates are kept, and audited when they changed)."""
    request = (
        PromotionRequest.objects.select_for_update().select_related("version__model", "requested_by").get(pk=request_pk)
    )
    if request.status != RequestStatus.OPEN:
        raise ConflictError(f"Request #{request.pk} is already {request.status}; no further decisions are taken.")
    if request.requested_by_id == actor.pk:  # re-checked inside the lock (the database constraint backs it)
        raise PermissionError_(gettext("Four-eyes rule: you cannot approve or reject your own promotion request."))
    # Lock order everywhere: request -> model -> versions -> audit head; taking the model lock before the first audit
    # append avoids a deadlock with a concurrent stage move on the same model.
    RegisteredModel.objects.select_for_update().filter(pk=request.version.model_id).first()
    model = request.version.model
    policy = policy_for(model)
    if decision == Decision.APPROVE and evidence.independence_problem(actor, model, policy):
        raise PermissionError_(gettext("Independence rule: %(rule)s") % {"rule": gettext(INDEPENDENCE_MESSAGE)})
    shown = request.evidence_hash
    if decision == Decision.APPROVE:
        found = evidence.evaluate(request.version, policy)
        evidence.store(request, found, actor=actor)
    if request.decisions.filter(approver=actor, evidence_hash=request.evidence_hash).exists():
        raise ConflictError(
            gettext("You have already decided this request; a second vote from the same person is refused.")
        )
    if decision == Decision.APPROVE:
        if found.digest != shown or (seen and seen != found.digest):
            return request, (
                f"The evidence of request #{request.pk} changed since its gate results were shown: review the "
                "current gate results, then decide again."
            )
        if not found.passed:
            return request, (
                f"Gates fail ({', '.join(found.failing)}): an approval approves passing evidence. Reject the "
                "request, or wait until the requester fixes the evidence and re-checks it."
            )
    with transaction.atomic():
        Approval.objects.create(
            request=request,
            approver=actor,
            requester=request.requested_by,
            decision=decision,
            comment=comment,
            evidence_hash=request.evidence_hash,
        )
    if decision == Decision.REJECT:
        request.status = RequestStatus.REJECTED
        request.closed_at = timezone.now()
        request.closing_note = comment
        request.save(update_fields=["status", "closed_at", "closing_note"])
        audit_record(
            action="promotion.rejected",
            obj=request,
            model=model,
            after={"comment": comment, "status": "rejected"},
            actor=actor,
        )
        return request, ""
    audit_record(
        action="promotion.approved",
        obj=request,
        model=model,
        after={"comment": comment, "evidence_hash": request.evidence_hash},
        actor=actor,
    )
    _try_apply(request, actor=actor)
    return request, ""


def _approvals_needed(request: PromotionRequest) -> int:
    # Editing the policy mid-request can only raise the bar, never lower it.
    policy = PromotionPolicy.objects.filter(risk_tier=request.version.model.risk_tier).first()
    current = policy.approvals_required if policy else request.approvals_required
    return max(request.approvals_required, current)


def _try_apply(request: PromotionRequest, *, actor: Actor) -> bool:
    """Re-evaluate the gates under the locks and apply when enough approvals were given on exactly this evidence."""
    model = request.version.model
    RegisteredModel.objects.select_for_update().filter(pk=model.pk).first()
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=request.version_id)
    found = evidence.evaluate(version, policy_for(model))
    evidence.store(request, found, actor=actor)
    if evidence.counting_approvals(request) < _approvals_needed(request):
        return False
    if not found.passed:  # approvals are only taken on passing evidence, so this is a guard
        after = {"failing_gates": found.failing}
        audit_record(action="promotion.apply_blocked", obj=request, model=model, after=after, actor=actor)
        return False
    if request.kind == RequestKind.ALIAS:
        alias_set(model=model, alias=request.alias, version=version, actor=actor, request=request)
    else:
        try:
            lifecycle.check_move(version.stage, Stage.PRODUCTION)
        except lifecycle.InvalidTransition as exc:
            raise ConflictError(str(exc)) from None
        move_stage(version, Stage.PRODUCTION, actor=actor, request=request)
    request.status = RequestStatus.APPLIED
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at"])
    audit_record(
        action="promotion.applied",
        obj=request,
        model=model,
        after={
            "version": version.version,
            "target": request.target_label,
            "gates": found.results,
            "evidence_hash": found.digest,
        },
        actor=actor,
    )
    return True


@transaction.atomic
def promotion_withdraw(*, request: PromotionRequest, actor: Actor, note: str = "") -> PromotionRequest:
    request = PromotionRequest.objects.select_for_update().select_related("version__model").get(pk=request.pk)
    if actor.pk != request.requested_by_id:
        raise PermissionError_(gettext("Only the requester may withdraw a promotion request."))
    if request.status != RequestStatus.OPEN:
        raise ConflictError(f"Request #{request.pk} is already {request.status}.")
    request.status = RequestStatus.WITHDRAWN
    request.closed_at = timezone.now()
    request.closing_note = note
    request.save(update_fields=["status", "closed_at", "closing_note"])
    audit_record(
        action="promotion.withdrawn", obj=request, model=request.version.model, after={"note": note}, actor=actor
    )
    return request


@transaction.atomic
def promotion_recheck(*, request: PromotionRequest, actor: Actor) -> PromotionRequest:
    """Re-evaluate the gates (e.g. after new evidence) and store them; apply if enough approvals were given on exactly
    the current evidence. New evidence voids the approvals given on the old (audited: promotion.evidence_changed)."""
    request = PromotionRequest.objects.select_for_update().select_related("version__model").get(pk=request.pk)
    require(
        permissions.can_edit_model(actor, request.version.model) or permissions.can_decide(actor),
        "Only the model's owner or team, or an approver, may re-check a promotion request.",
    )
    if request.status != RequestStatus.OPEN:
        raise ConflictError(f"Request #{request.pk} is already {request.status}.")
    RegisteredModel.objects.select_for_update().filter(pk=request.version.model_id).first()
    _try_apply(request, actor=actor)
    return request


@transaction.atomic
def promotion_request_stage_and_create(
    *, version: ModelVersion, actor: Actor, justification: str
) -> tuple[PromotionRequest, bool]:
    """ "Stage and request" in one step: a version at none or archived moves to staging, then its production request
    opens; if the request is refused, the stage move is rolled back with it."""
    if version.stage in (Stage.NONE, Stage.ARCHIVED):
        version_transition(version=version, target=Stage.STAGING, actor=actor)
    return promotion_request_create(version=version, actor=actor, justification=justification)
