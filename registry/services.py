"""Registry services: every write to the registry, each in one transaction with its audit event(s)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max
from django.forms.models import model_to_dict
from django.utils import timezone

from mlops_gov.errors import ConflictError, DomainError, NotFoundError, PermissionError_
from registry import permissions
from registry.audit import audit_record
from registry.choices import MODEL_CARD_FIELDS, Decision, RequestKind, RequestStatus, Stage
from registry.constants import DEFAULT_POLICIES
from registry.domain import lifecycle
from registry.domain.uris import InvalidSourceUri, validate_source_uri
from registry.gates import evaluate_gates
from registry.models import (
    Approval,
    ModelAlias,
    ModelCard,
    ModelVersion,
    PromotionPolicy,
    PromotionRequest,
    RegisteredModel,
    StageTransition,
    Team,
)

MODEL_EDITABLE = ("description", "owner", "team", "risk_tier", "business_goal", "success_kpi", "tags")
VERSION_EDITABLE = (
    "description",
    "framework",
    "parameters",
    "metrics",
    "input_signature",
    "training_dataset",
    "code_repository",
    "code_commit",
    "run_id",
    "artifact_sha256",
    "tags",
)
RISK_ORDER = {tier: rank for rank, tier in enumerate(("low", "medium", "high", "critical"))}
# Evidence a decision rests on: frozen once the version is in production or archived.
VERSION_EVIDENCE = ("metrics", "parameters", "input_signature", "artifact_sha256", "source_uri")


# --- snapshots for the audit trail ----------------------------------------------------------------------------------


def snapshot(obj, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    data = model_to_dict(obj, fields=fields)
    return {key: (value.pk if hasattr(value, "pk") else value) for key, value in data.items()}


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionError_(message)


def _full_clean(obj, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=True, validate_constraints=False)
    except ValidationError:
        raise


def validate_source(uri: str) -> str:
    try:
        return validate_source_uri(uri, allowed_schemes=settings.MLOPS_GOV["SOURCE_URI_SCHEMES"])
    except InvalidSourceUri as exc:
        raise ValidationError({"source_uri": [str(exc)]}) from None


# --- teams ----------------------------------------------------------------------------------------------------------


@transaction.atomic
def team_create(*, name: str, members=(), actor=None) -> Team:
    team = Team(name=name)
    _full_clean(team)
    team.save()
    team.members.set(members)
    audit_record(action="team.created", obj=team, after={"name": name, "members": [m.pk for m in members]}, actor=actor)
    return team


# --- registered models ----------------------------------------------------------------------------------------------


@transaction.atomic
def model_create(*, actor, name: str, owner=None, **fields: Any) -> RegisteredModel:
    _require(permissions.can_create_models(actor), "Your role cannot register models.")
    unknown = set(fields) - set(MODEL_EDITABLE)
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    if RegisteredModel.objects.filter(name=name).exists():
        raise ConflictError(f"A registered model named '{name}' already exists.")
    model = RegisteredModel(name=name, owner=owner or actor, **fields)
    _full_clean(model)
    try:
        with transaction.atomic():
            model.save()
    except IntegrityError:
        raise ConflictError(f"A registered model named '{name}' already exists.") from None
    audit_record(action="model.created", obj=model, after=snapshot(model), actor=actor)
    return model


@transaction.atomic
def model_update(*, model: RegisteredModel, actor, **changes: Any) -> RegisteredModel:
    _require(permissions.can_edit_model(actor, model), "Only the model's owner or team may edit it.")
    unknown = set(changes) - set(MODEL_EDITABLE)
    if unknown:
        raise DomainError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    model = RegisteredModel.objects.select_for_update().get(pk=model.pk)
    new_tier = changes.get("risk_tier", model.risk_tier)
    if RISK_ORDER.get(new_tier, 99) < RISK_ORDER.get(model.risk_tier, 99):
        _require(
            bool(actor.is_superuser),
            "Lowering a model's risk tier relaxes its promotion policy: only an administrator may do it.",
        )
    before = snapshot(model, tuple(changes))
    for key, value in changes.items():
        setattr(model, key, value)
    _full_clean(model)
    model.save()
    audit_record(action="model.updated", obj=model, before=before, after=snapshot(model, tuple(changes)), actor=actor)
    return model


@transaction.atomic
def model_rename(*, model: RegisteredModel, actor, new_name: str) -> RegisteredModel:
    _require(permissions.can_edit_model(actor, model), "Only the model's owner or team may rename it.")
    old = model.name
    model.name = new_name
    _full_clean(model)
    try:
        with transaction.atomic():
            model.save(update_fields=["name", "updated_at"])
    except IntegrityError:
        raise ConflictError(f"A registered model named '{new_name}' already exists.") from None
    audit_record(action="model.renamed", obj=model, before={"name": old}, after={"name": new_name}, actor=actor)
    return model


@transaction.atomic
def model_delete(*, model: RegisteredModel, actor) -> None:
    _require(permissions.can_edit_model(actor, model), "Only the model's owner or team may delete it.")
    if model.versions.filter(stage=Stage.PRODUCTION).exists():
        raise ConflictError("A model with a production version cannot be deleted; archive the version first.")
    if PromotionRequest.objects.filter(version__model=model).exists():
        raise ConflictError("A model with promotion history cannot be deleted (it is evidence); archive it instead.")
    before = snapshot(model)
    audit_record(action="model.deleted", obj=model, before=before, actor=actor)
    model.delete()


# --- versions -------------------------------------------------------------------------------------------------------


@transaction.atomic
def version_create(*, model: RegisteredModel, actor, source_uri: str, **fields: Any) -> ModelVersion:
    _require(permissions.can_edit_model(actor, model), "Only the model's owner or team may add versions.")
    unknown = set(fields) - set(VERSION_EDITABLE) - {"parent"}
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    validate_source(source_uri)
    parent = fields.get("parent")
    if parent is not None and parent.model_id != model.pk:
        raise ValidationError({"parent": ["The parent version must belong to the same model."]})
    # Lock the model row so concurrent creates get distinct numbers.
    RegisteredModel.objects.select_for_update().filter(pk=model.pk).first()
    number = (model.versions.aggregate(n=Max("version"))["n"] or 0) + 1
    version = ModelVersion(model=model, version=number, source_uri=source_uri, created_by=actor, **fields)
    _full_clean(version)
    version.save()
    ModelCard.objects.create(version=version)
    audit_record(action="version.created", obj=version, after=snapshot(version), actor=actor)
    return version


@transaction.atomic
def version_update(*, version: ModelVersion, actor, **changes: Any) -> ModelVersion:
    _require(permissions.can_edit_model(actor, version.model), "Only the model's owner or team may edit versions.")
    unknown = set(changes) - set(VERSION_EDITABLE)
    if unknown:
        raise DomainError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    frozen = set(changes) & set(VERSION_EVIDENCE)
    if frozen and version.stage in (Stage.PRODUCTION, Stage.ARCHIVED):
        raise ConflictError(
            f"{', '.join(sorted(frozen))} of a {version.stage} version are approval evidence and cannot change; "
            "register a new version instead."
        )
    if frozen and version.promotion_requests.filter(status=RequestStatus.OPEN).exists():
        raise ConflictError(
            f"{', '.join(sorted(frozen))} are evidence for an open promotion request and cannot change until it is "
            "closed (withdraw it first)."
        )
    before = snapshot(version, tuple(changes))
    for key, value in changes.items():
        setattr(version, key, value)
    _full_clean(version)
    version.save()
    audit_record(
        action="version.updated", obj=version, before=before, after=snapshot(version, tuple(changes)), actor=actor
    )
    return version


@transaction.atomic
def version_delete(*, version: ModelVersion, actor) -> None:
    _require(permissions.can_edit_model(actor, version.model), "Only the model's owner or team may delete versions.")
    if version.stage == Stage.PRODUCTION:
        raise ConflictError("A production version cannot be deleted; archive it first.")
    if version.promotion_requests.exists():
        raise ConflictError("A version with promotion history cannot be deleted (it is evidence); archive it.")
    audit_record(action="version.deleted", obj=version, before=snapshot(version), actor=actor)
    version.delete()


@transaction.atomic
def card_update(*, version: ModelVersion, actor, **changes: str) -> ModelCard:
    _require(permissions.can_edit_model(actor, version.model), "Only the model's owner or team may edit the card.")
    unknown = set(changes) - set(MODEL_CARD_FIELDS)
    if unknown:
        raise DomainError(f"Unknown model-card fields: {', '.join(sorted(unknown))}.")
    card, _ = ModelCard.objects.select_for_update().get_or_create(version=version)
    before = snapshot(card, tuple(changes))
    for key, value in changes.items():
        setattr(card, key, value or "")
    card.save()
    audit_record(action="card.updated", obj=card, model=version.model, before=before, after=changes, actor=actor)
    return card


# --- stages and aliases ---------------------------------------------------------------------------------------------


def policy_for(model: RegisteredModel) -> PromotionPolicy:
    policy = PromotionPolicy.objects.filter(risk_tier=model.risk_tier).first()
    if policy is None:
        raise ConflictError(f"No promotion policy exists for risk tier '{model.risk_tier}'. Ask an administrator.")
    return policy


def _record_transition(version, *, from_stage="", to_stage="", alias="", actor=None, request=None) -> None:
    StageTransition.objects.create(
        model=version.model,
        version=version,
        alias=alias,
        from_stage=from_stage,
        to_stage=to_stage,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor.get_username() if getattr(actor, "pk", None) else "system",
        promotion_request=request,
    )


def _move(version: ModelVersion, target: str, *, actor, request: PromotionRequest | None = None) -> ModelVersion:
    """Change one version's stage (caller holds the model lock); archive the previous production version."""
    if target == Stage.PRODUCTION:
        previous = ModelVersion.objects.select_for_update().filter(model=version.model, stage=Stage.PRODUCTION).first()
        if previous is not None and previous.pk != version.pk:
            _set_stage(previous, Stage.ARCHIVED, actor=actor, request=request, reason="replaced")
    return _set_stage(version, target, actor=actor, request=request)


def _set_stage(version, target, *, actor, request=None, reason: str = "") -> ModelVersion:
    before = version.stage
    version.stage = target
    version.stage_changed_at = timezone.now()
    version.save(update_fields=["stage", "stage_changed_at", "updated_at"])
    _record_transition(version, from_stage=before, to_stage=target, actor=actor, request=request)
    after = {"stage": target}
    if request is not None:
        after["promotion_request"] = request.pk
    if reason:
        after["reason"] = reason
    audit_record(action="version.stage_changed", obj=version, before={"stage": before}, after=after, actor=actor)
    return version


@transaction.atomic
def version_transition(*, version: ModelVersion, target: str, actor, archive_existing: bool = False) -> ModelVersion:
    """A direct stage move. Production is governed: it needs an approved promotion request."""
    _require(permissions.can_edit_model(actor, version.model), "Only the model's owner or team may move versions.")
    RegisteredModel.objects.select_for_update().filter(pk=version.model_id).first()
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    if target not in Stage.values:
        raise DomainError(f"Unknown stage '{target}'; stages are: {', '.join(Stage.values)}.")
    if target == version.stage:
        return version
    try:
        lifecycle.check_move(version.stage, target)
    except lifecycle.InvalidTransition as exc:
        raise ConflictError(str(exc)) from None
    if lifecycle.needs_promotion_request(target):
        raise PermissionError_(
            "A move to production needs an approved promotion request: open one with a justification and wait for "
            "the approvers."
        )
    if archive_existing:
        for other in ModelVersion.objects.select_for_update().filter(model=version.model, stage=target):
            _set_stage(other, Stage.ARCHIVED, actor=actor, reason="archive_existing_versions")
    return _set_stage(version, target, actor=actor)


def is_protected_alias(model: RegisteredModel, alias: str) -> bool:
    policy = PromotionPolicy.objects.filter(risk_tier=model.risk_tier).first()
    return policy is not None and alias in (policy.protected_aliases or [])


@transaction.atomic
def alias_set(*, model: RegisteredModel, alias: str, version: ModelVersion, actor, request=None) -> ModelAlias:
    if request is None:
        _require(permissions.can_edit_model(actor, model), "Only the model's owner or team may set aliases.")
        if is_protected_alias(model, alias):
            raise PermissionError_(
                f"Alias '{alias}' is protected: it moves only through an approved promotion request."
            )
    if version.model_id != model.pk:
        raise ValidationError({"version": ["The version belongs to another model."]})
    current = ModelAlias.objects.select_for_update().filter(model=model, alias=alias).first()
    before = {"alias": alias, "version": current.version.version} if current else None
    if current is None:
        current = ModelAlias(model=model, alias=alias, version=version)
        _full_clean(current, exclude=["model", "version"])
    else:
        current.version = version
    current.save()
    _record_transition(version, alias=alias, to_stage="set", actor=actor, request=request)
    after = {"alias": alias, "version": version.version}
    if request is not None:
        after["promotion_request"] = request.pk
    audit_record(action="alias.set", obj=current, model=model, before=before, after=after, actor=actor)
    return current


@transaction.atomic
def alias_delete(*, model: RegisteredModel, alias: str, actor) -> None:
    _require(permissions.can_edit_model(actor, model), "Only the model's owner or team may delete aliases.")
    if is_protected_alias(model, alias):
        raise PermissionError_(f"Alias '{alias}' is protected: it moves only through an approved promotion request.")
    current = ModelAlias.objects.select_for_update().filter(model=model, alias=alias).select_related("version").first()
    if current is None:
        raise NotFoundError(f"Model '{model.name}' has no alias '{alias}'.")
    _record_transition(current.version, alias=alias, to_stage="removed", actor=actor)
    audit_record(
        action="alias.deleted",
        obj=current,
        model=model,
        before={"alias": alias, "version": current.version.version},
        actor=actor,
    )
    current.delete()


# --- promotion requests (four-eyes) ---------------------------------------------------------------------------------


def _gate_snapshot(version: ModelVersion, policy: PromotionPolicy) -> tuple[list[dict], bool]:
    results = evaluate_gates(version, policy)
    return [r.as_dict() for r in results], all(r.passed for r in results)


@transaction.atomic
def promotion_request_create(
    *, version: ModelVersion, actor, justification: str, kind: str = RequestKind.STAGE, alias: str = ""
) -> tuple[PromotionRequest, bool]:
    """Open a request (or return the open one for the same target). Returns ``(request, created)``."""
    # Read the version's current state under the model lock (the caller's object may be stale).
    RegisteredModel.objects.select_for_update().filter(pk=version.model_id).first()
    version = ModelVersion.objects.select_related("model").get(pk=version.pk)
    model = version.model
    _require(permissions.can_edit_model(actor, model), "Only the model's owner or team may request a promotion.")
    if not (justification or "").strip():
        raise ValidationError({"justification": ["Say why this version should be promoted."]})
    if kind == RequestKind.STAGE:
        alias = ""
        if version.stage == Stage.PRODUCTION:
            raise ConflictError(f"{version} is already in production.")
        try:
            lifecycle.check_move(version.stage, Stage.PRODUCTION)
        except lifecycle.InvalidTransition as exc:
            raise ConflictError(str(exc)) from None
    elif kind == RequestKind.ALIAS:
        if not is_protected_alias(model, alias):
            raise DomainError(f"Alias '{alias}' is not protected; set it directly.")
    else:
        raise DomainError(f"Unknown request kind '{kind}'.")
    RegisteredModel.objects.select_for_update().filter(pk=model.pk).first()
    existing = PromotionRequest.objects.filter(
        version=version, kind=kind, alias=alias, status=RequestStatus.OPEN
    ).first()
    if existing is not None:
        return existing, False
    policy = policy_for(model)
    results, passed = _gate_snapshot(version, policy)
    request = PromotionRequest.objects.create(
        version=version,
        kind=kind,
        alias=alias,
        requested_by=actor,
        justification=justification.strip(),
        approvals_required=policy.approvals_required,
        gate_results=results,
        gates_passed=passed,
        gates_evaluated_at=timezone.now(),
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
            "gates": results,
        },
        actor=actor,
    )
    return request, True


def _audit_refusal(request: PromotionRequest, actor, reason: str, action: str = "promotion.decision_refused") -> None:
    # Its own transaction: the refusal is recorded even though the caller's attempt is rolled back.
    with transaction.atomic():
        audit_record(action=action, obj=request, model=request.version.model, after={"reason": reason}, actor=actor)


def promotion_decide(*, request: PromotionRequest, actor, decision: str, comment: str = "") -> PromotionRequest:
    """Approve or reject. Four-eyes: never the requester, whatever route or group membership."""
    if decision not in Decision.values:
        raise DomainError(f"Decision must be one of: {', '.join(Decision.values)}.")
    if not permissions.can_decide(actor):
        _audit_refusal(request, actor, "not an approver")
        raise PermissionError_("Only approvers may approve or reject promotion requests.")
    if actor.pk == request.requested_by_id:
        _audit_refusal(request, actor, "four-eyes: the requester cannot decide their own request")
        raise PermissionError_("Four-eyes rule: you cannot approve or reject your own promotion request.")
    try:
        return _with_deadlock_retry(
            lambda: _decide_locked(request_pk=request.pk, actor=actor, decision=decision, comment=comment)
        )
    except IntegrityError:
        # The database constraint is the last line: a self-approval or double vote that slipped through.
        _audit_refusal(request, actor, "refused by a database constraint (duplicate decision or four-eyes)")
        raise ConflictError("This decision was refused: you have already decided this request.") from None


def _with_deadlock_retry(work, attempts: int = 3):
    """PostgreSQL may abort one of two transactions that wait on each other's row locks (deadlock) or fail a
    serialisation check; the aborted transaction was rolled back whole, so running it again is safe."""
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as exc:
            retryable = getattr(exc.__cause__, "sqlstate", None) in ("40P01", "40001")
            if not retryable or attempt == attempts - 1:
                raise
    return None  # pragma: no cover - the loop returns or raises


@transaction.atomic
def _decide_locked(*, request_pk: int, actor, decision: str, comment: str) -> PromotionRequest:
    request = (
        PromotionRequest.objects.select_for_update().select_related("version__model", "requested_by").get(pk=request_pk)
    )
    if request.status != RequestStatus.OPEN:
        raise ConflictError(f"Request #{request.pk} is already {request.status}; no further decisions are taken.")
    if request.requested_by_id == actor.pk:  # re-checked inside the lock (the database constraint backs it)
        raise PermissionError_("Four-eyes rule: you cannot approve or reject your own promotion request.")
    # Lock order everywhere: request -> model -> versions -> audit head; taking the model lock before the first audit
    # append avoids a deadlock with a concurrent stage move on the same model.
    RegisteredModel.objects.select_for_update().filter(pk=request.version.model_id).first()
    if request.decisions.filter(approver=actor).exists():
        raise ConflictError("You have already decided this request; a second vote from the same person is refused.")
    with transaction.atomic():
        Approval.objects.create(
            request=request, approver=actor, requester=request.requested_by, decision=decision, comment=comment
        )
    model = request.version.model
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
        return request
    audit_record(action="promotion.approved", obj=request, model=model, after={"comment": comment}, actor=actor)
    _try_apply(request, actor=actor)
    return request


def _approvals_needed(request: PromotionRequest) -> int:
    # Editing the policy mid-request can only raise the bar, never lower it.
    policy = PromotionPolicy.objects.filter(risk_tier=request.version.model.risk_tier).first()
    current = policy.approvals_required if policy else request.approvals_required
    return max(request.approvals_required, current)


def _try_apply(request: PromotionRequest, *, actor) -> bool:
    approvals = request.decisions.filter(decision=Decision.APPROVE).exclude(approver_id=request.requested_by_id)
    if approvals.values("approver").distinct().count() < _approvals_needed(request):
        return False
    model = request.version.model
    RegisteredModel.objects.select_for_update().filter(pk=model.pk).first()
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=request.version_id)
    results, passed = _gate_snapshot(version, policy_for(model))
    request.gate_results, request.gates_passed, request.gates_evaluated_at = results, passed, timezone.now()
    if not passed:
        request.save(update_fields=["gate_results", "gates_passed", "gates_evaluated_at"])
        failing = [r["name"] for r in results if not r["passed"]]
        audit_record(
            action="promotion.apply_blocked", obj=request, model=model, after={"failing_gates": failing}, actor=actor
        )
        return False
    if request.kind == RequestKind.ALIAS:
        alias_set(model=model, alias=request.alias, version=version, actor=actor, request=request)
    else:
        try:
            lifecycle.check_move(version.stage, Stage.PRODUCTION)
        except lifecycle.InvalidTransition as exc:
            raise ConflictError(str(exc)) from None
        _move(version, Stage.PRODUCTION, actor=actor, request=request)
    request.status = RequestStatus.APPLIED
    request.closed_at = timezone.now()
    request.save(update_fields=["status", "closed_at", "gate_results", "gates_passed", "gates_evaluated_at"])
    audit_record(
        action="promotion.applied",
        obj=request,
        model=model,
        after={"version": version.version, "target": request.target_label, "gates": results},
        actor=actor,
    )
    return True


@transaction.atomic
def promotion_withdraw(*, request: PromotionRequest, actor, note: str = "") -> PromotionRequest:
    request = PromotionRequest.objects.select_for_update().select_related("version__model").get(pk=request.pk)
    if actor.pk != request.requested_by_id:
        raise PermissionError_("Only the requester may withdraw a promotion request.")
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
def promotion_recheck(*, request: PromotionRequest, actor) -> PromotionRequest:
    """Re-evaluate gates (e.g. after new evidence) and apply if the approvals are already in."""
    request = PromotionRequest.objects.select_for_update().select_related("version__model").get(pk=request.pk)
    _require(
        permissions.can_edit_model(actor, request.version.model) or permissions.can_decide(actor),
        "Only the model's owner or team, or an approver, may re-check a promotion request.",
    )
    if request.status != RequestStatus.OPEN:
        raise ConflictError(f"Request #{request.pk} is already {request.status}.")
    RegisteredModel.objects.select_for_update().filter(pk=request.version.model_id).first()
    if not _try_apply(request, actor=actor):
        results, passed = _gate_snapshot(request.version, policy_for(request.version.model))
        request.gate_results, request.gates_passed, request.gates_evaluated_at = results, passed, timezone.now()
        request.save(update_fields=["gate_results", "gates_passed", "gates_evaluated_at"])
    return request


# --- policies -------------------------------------------------------------------------------------------------------


@transaction.atomic
def policy_update(*, policy: PromotionPolicy, actor, **changes: Any) -> PromotionPolicy:
    _require(bool(actor and actor.is_superuser), "Only administrators may edit promotion policies.")
    before = snapshot(policy, tuple(changes))
    for key, value in changes.items():
        setattr(policy, key, value)
    _full_clean(policy)
    policy.save()
    audit_record(
        action="policy.updated", obj=policy, before=before, after=snapshot(policy, tuple(changes)), actor=actor
    )
    return policy


@transaction.atomic
def policy_create(*, actor, risk_tier: str, **fields: Any) -> PromotionPolicy:
    _require(bool(actor and actor.is_superuser), "Only administrators may create promotion policies.")
    if PromotionPolicy.objects.filter(risk_tier=risk_tier).exists():
        raise ConflictError(f"A promotion policy for risk tier '{risk_tier}' already exists; edit it instead.")
    policy = PromotionPolicy(risk_tier=risk_tier, **fields)
    _full_clean(policy)
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
