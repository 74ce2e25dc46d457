"""Catalogue services: teams, registered models, versions and model cards, each write audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from mlops_gov.actors import Actor
from mlops_gov.errors import ConflictError, DomainError
from registry import permissions
from registry.audit import audit_record
from registry.choices import MODEL_CARD_FIELDS, RequestStatus, Stage
from registry.models import ModelCard, ModelVersion, PromotionRequest, RegisteredModel
from registry.selectors import protected_aliases
from registry.services.common import (
    MODEL_EDITABLE,
    RISK_ORDER,
    VERSION_EDITABLE,
    VERSION_EVIDENCE,
    full_clean,
    require,
    snapshot,
    validate_source,
)
from registry.services.stages import drop_newly_protected_aliases

# --- registered models ----------------------------------------------------------------------------------------------


@transaction.atomic
def model_create(*, actor: Actor, name: str, owner: Actor | None = None, **fields: Any) -> RegisteredModel:
    require(permissions.can_create_models(actor), "Your role cannot register models.")
    unknown = set(fields) - set(MODEL_EDITABLE)
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    if RegisteredModel.objects.filter(name=name).exists():
        raise ConflictError(f"A registered model named '{name}' already exists.")
    model = RegisteredModel(name=name, owner=owner or actor, **fields)
    full_clean(model)
    try:
        with transaction.atomic():
            model.save()
    except IntegrityError:
        raise ConflictError(f"A registered model named '{name}' already exists.") from None
    audit_record(action="model.created", obj=model, after=snapshot(model), actor=actor)
    return model


@transaction.atomic
def model_update(*, model: RegisteredModel, actor: Actor, **changes: Any) -> RegisteredModel:
    require(permissions.can_edit_model(actor, model), "Only the model's owner or team may edit it.")
    unknown = set(changes) - set(MODEL_EDITABLE)
    if unknown:
        raise DomainError(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    model = RegisteredModel.objects.select_for_update().get(pk=model.pk)
    new_tier = changes.get("risk_tier", model.risk_tier)
    if RISK_ORDER.get(new_tier, 99) < RISK_ORDER.get(model.risk_tier, 99):
        require(
            bool(actor.is_superuser),
            "Lowering a model's risk tier relaxes its promotion policy: only an administrator may do it.",
        )
    old_tier = model.risk_tier
    before = snapshot(model, tuple(changes))
    for key, value in changes.items():
        setattr(model, key, value)
    full_clean(model)
    after = snapshot(model, tuple(changes))
    if after == before:
        return model  # nothing changed: no write, no event
    model.save()
    audit_record(action="model.updated", obj=model, before=before, after=after, actor=actor)
    if model.risk_tier != old_tier:
        was_protected = protected_aliases(old_tier)
        drop_newly_protected_aliases(
            models=[model], was_protected=was_protected, actor=actor, reason=f"risk tier {model.risk_tier}"
        )
    return model


@transaction.atomic
def model_rename(*, model: RegisteredModel, actor: Actor, new_name: str) -> RegisteredModel:
    require(permissions.can_edit_model(actor, model), "Only the model's owner or team may rename it.")
    old = model.name
    model.name = new_name
    full_clean(model)
    try:
        with transaction.atomic():
            model.save(update_fields=["name", "updated_at"])
    except IntegrityError:
        raise ConflictError(f"A registered model named '{new_name}' already exists.") from None
    audit_record(action="model.renamed", obj=model, before={"name": old}, after={"name": new_name}, actor=actor)
    return model


@transaction.atomic
def model_delete(*, model: RegisteredModel, actor: Actor) -> None:
    require(permissions.can_edit_model(actor, model), "Only the model's owner or team may delete it.")
    if model.versions.filter(stage=Stage.PRODUCTION).exists():
        raise ConflictError("A model with a production version cannot be deleted; archive the version first.")
    if PromotionRequest.objects.filter(version__model=model).exists():
        raise ConflictError("A model with promotion history cannot be deleted (it is evidence); archive it instead.")
    before = snapshot(model)
    audit_record(action="model.deleted", obj=model, before=before, actor=actor)
    model.delete()


# --- versions -------------------------------------------------------------------------------------------------------


@transaction.atomic
def version_create(*, model: RegisteredModel, actor: Actor, source_uri: str, **fields: Any) -> ModelVersion:
    require(permissions.can_edit_model(actor, model), "Only the model's owner or team may add versions.")
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
    full_clean(version)
    version.save()
    ModelCard.objects.create(version=version)
    audit_record(action="version.created", obj=version, after=snapshot(version), actor=actor)
    return version


@transaction.atomic
def version_update(*, version: ModelVersion, actor: Actor, **changes: Any) -> ModelVersion:
    require(permissions.can_edit_model(actor, version.model), "Only the model's owner or team may edit versions.")
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
    full_clean(version)
    after = snapshot(version, tuple(changes))
    if after == before:
        return version  # nothing changed: no write, no event
    version.save()
    audit_record(action="version.updated", obj=version, before=before, after=after, actor=actor)
    return version


@transaction.atomic
def version_delete(*, version: ModelVersion, actor: Actor) -> None:
    require(permissions.can_edit_model(actor, version.model), "Only the model's owner or team may delete versions.")
    if version.stage == Stage.PRODUCTION:
        raise ConflictError("A production version cannot be deleted; archive it first.")
    if version.promotion_requests.exists():
        raise ConflictError("A version with promotion history cannot be deleted (it is evidence); archive it.")
    # Its aliases go with it (cascade): each removal is recorded like any other alias deletion.
    for alias in version.aliases.order_by("alias"):
        audit_record(
            action="alias.deleted",
            obj=alias,
            model=version.model,
            before={"alias": alias.alias, "version": version.version},
            after={"reason": "version deleted"},
            actor=actor,
        )
    audit_record(action="version.deleted", obj=version, before=snapshot(version), actor=actor)
    version.delete()


@transaction.atomic
def card_update(*, version: ModelVersion, actor: Actor, **changes: str) -> ModelCard:
    require(permissions.can_edit_model(actor, version.model), "Only the model's owner or team may edit the card.")
    unknown = set(changes) - set(MODEL_CARD_FIELDS)
    if unknown:
        raise DomainError(f"Unknown model-card fields: {', '.join(sorted(unknown))}.")
    card, _ = ModelCard.objects.select_for_update().get_or_create(version=version)
    before = snapshot(card, tuple(changes))
    for key, value in changes.items():
        setattr(card, key, value or "")
    after = snapshot(card, tuple(changes))
    if after == before:
        return card  # nothing changed: no new revision, no event
    card.revision += 1  # a new revision: approvals given on the previous one no longer count
    card.save()
    audit_record(action="card.updated", obj=card, model=version.model, before=before, after=after, actor=actor)
    return card
