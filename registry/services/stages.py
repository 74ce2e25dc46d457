"""Stage moves and aliases: the lifecycle of a version and the names that point at it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mlops_gov.actors import Actor
from mlops_gov.errors import ConflictError, DomainError, NotFoundError, PermissionError_
from registry import permissions
from registry.audit import audit_record
from registry.choices import Stage
from registry.domain import lifecycle
from registry.models import ModelAlias, ModelVersion, PromotionRequest, RegisteredModel, StageTransition
from registry.selectors import is_protected_alias, protected_aliases
from registry.services.common import full_clean, require


def record_transition(
    version: ModelVersion,
    *,
    from_stage: str = "",
    to_stage: str = "",
    alias: str = "",
    actor: Actor | None = None,
    request: PromotionRequest | None = None,
) -> None:
    person = actor if getattr(actor, "pk", None) else None
    StageTransition.objects.create(
        model=version.model,
        version=version,
        alias=alias,
        from_stage=from_stage,
        to_stage=to_stage,
        actor=person,
        actor_name=person.get_username() if person is not None else "system",
        promotion_request=request,
    )


def move_stage(
    version: ModelVersion, target: str, *, actor: Actor | None, request: PromotionRequest | None = None
) -> ModelVersion:
    """Change one version's stage (caller holds the model lock); archive the previous production version."""
    if target == Stage.PRODUCTION:
        previous = ModelVersion.objects.select_for_update().filter(model=version.model, stage=Stage.PRODUCTION).first()
        if previous is not None and previous.pk != version.pk:
            set_stage(previous, Stage.ARCHIVED, actor=actor, request=request, reason="replaced")
    return set_stage(version, target, actor=actor, request=request)


def set_stage(
    version: ModelVersion,
    target: str,
    *,
    actor: Actor | None,
    request: PromotionRequest | None = None,
    reason: str = "",
) -> ModelVersion:
    before = version.stage
    version.stage = target
    version.stage_changed_at = timezone.now()
    version.save(update_fields=["stage", "stage_changed_at", "updated_at"])
    record_transition(version, from_stage=before, to_stage=target, actor=actor, request=request)
    after: dict[str, Any] = {"stage": target}
    if request is not None:
        after["promotion_request"] = request.pk
    if reason:
        after["reason"] = reason
    audit_record(action="version.stage_changed", obj=version, before={"stage": before}, after=after, actor=actor)
    return version


@transaction.atomic
def version_transition(
    *, version: ModelVersion, target: str, actor: Actor, archive_existing: bool = False
) -> ModelVersion:
    """A direct stage move. Production is governed: it needs an approved promotion request."""
    require(permissions.can_edit_model(actor, version.model), "Only the model's owner or team may move versions.")
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
            set_stage(other, Stage.ARCHIVED, actor=actor, reason="archive_existing_versions")
    return set_stage(version, target, actor=actor)


@transaction.atomic
def alias_set(
    *,
    model: RegisteredModel,
    alias: str,
    version: ModelVersion,
    actor: Actor | None,
    request: PromotionRequest | None = None,
) -> ModelAlias:
    if request is None:
        require(permissions.can_edit_model(actor, model), "Only the model's owner or team may set aliases.")
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
        full_clean(current, exclude=["model", "version"])
    else:
        current.version = version
    current.save()
    record_transition(version, alias=alias, to_stage="set", actor=actor, request=request)
    after = {"alias": alias, "version": version.version}
    if request is not None:
        after["promotion_request"] = request.pk
    audit_record(action="alias.set", obj=current, model=model, before=before, after=after, actor=actor)
    return current


@transaction.atomic
def alias_delete(*, model: RegisteredModel, alias: str, actor: Actor) -> None:
    require(permissions.can_edit_model(actor, model), "Only the model's owner or team may delete aliases.")
    if is_protected_alias(model, alias):
        raise PermissionError_(f"Alias '{alias}' is protected: it moves only through an approved promotion request.")
    current = ModelAlias.objects.select_for_update().filter(model=model, alias=alias).select_related("version").first()
    if current is None:
        raise NotFoundError(f"Model '{model.name}' has no alias '{alias}'.")
    record_transition(current.version, alias=alias, to_stage="removed", actor=actor)
    audit_record(
        action="alias.deleted",
        obj=current,
        model=model,
        before={"alias": alias, "version": current.version.version},
        actor=actor,
    )
    current.delete()


def drop_newly_protected_aliases(
    *, models: Iterable[RegisteredModel], was_protected: set[str], actor: Actor | None, reason: str
) -> int:
    """After a model's tier or its tier's policy changed: an alias that is protected now but was not before was set
    without approval, so it is removed (audited), and moves again only through an approved promotion request.
    Aliases that were protected already were approved and stay. Returns how many were removed."""
    removed = 0
    for model in models:
        newly = protected_aliases(model.risk_tier) - was_protected
        held = ModelAlias.objects.select_for_update().filter(model=model, alias__in=newly).select_related("version")
        for current in held.order_by("alias"):
            record_transition(current.version, alias=current.alias, to_stage="removed", actor=actor)
            audit_record(
                action="alias.deleted",
                obj=current,
                model=model,
                before={"alias": current.alias, "version": current.version.version},
                after={"reason": f"now protected ({reason}); it moves only through an approved promotion request"},
                actor=actor,
            )
            current.delete()
            removed += 1
    return removed
