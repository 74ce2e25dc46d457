"""Writes of the MLflow door, mapped onto the registry services (which check permissions and write the audit).

Governance holds: a move to Production, or of a protected alias, never happens here. It opens (or joins) a
promotion request and the caller gets ``Held`` back, which the view turns into an MLflow error naming the request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from mlops_gov.actors import Actor
from mlops_gov.errors import PermissionError_
from registry import services
from registry.choices import RequestKind, Stage
from registry.models import ModelAlias, ModelVersion, PromotionRequest, RegisteredModel, Team

JUSTIFICATION = "Requested through the MLflow API"
MAX_TAG_KEY = 250
MAX_TAG_VALUE = 5000


@dataclass(frozen=True)
class Held:
    """A governed move that was turned into a promotion request instead of happening."""

    request: PromotionRequest
    created: bool

    @property
    def url(self) -> str:
        return settings.MLOPS_GOV["BASE_URL"].rstrip("/") + reverse("registry:request-detail", args=[self.request.pk])

    def message(self) -> str:
        req = self.request
        version = req.version
        target = f"alias '{req.alias}'" if req.kind == RequestKind.ALIAS else "stage Production"
        state = "opened" if self.created else "already open"
        approvals = req.approvals_required
        failing = [g.get("name", "?") for g in (req.gate_results or []) if not g.get("passed")]
        gates = f" Gates not passing yet: {', '.join(failing)}." if failing else " All gates pass."
        return (
            f"Governed by mlops-gov: model '{version.model.name}' version {version.version} was NOT moved to "
            f"{target}. It needs {approvals} approval(s) from approvers other than the requester. Promotion request "
            f"#{req.pk} is {state}.{gates} Approve it at {self.url}"
        )


def check_tag(key: str, value: str) -> None:
    if not key or len(key) > MAX_TAG_KEY:
        raise ValidationError({"key": [f"A tag key must have 1 to {MAX_TAG_KEY} characters."]})
    if len(value) > MAX_TAG_VALUE:
        raise ValidationError({"value": [f"A tag value may have at most {MAX_TAG_VALUE} characters."]})


def _default_team(actor: Actor) -> Team | None:
    teams = list(actor.teams.all()[:2]) if getattr(actor, "pk", None) else []
    return teams[0] if len(teams) == 1 else None


def model_create(*, actor: Actor, name: str, description: str, tags: dict[str, str]) -> RegisteredModel:
    """Register a model: owned by the caller, with the caller's team when they belong to exactly one."""
    for key, value in tags.items():
        check_tag(key, value)
    return services.model_create(actor=actor, name=name, description=description, tags=tags, team=_default_team(actor))


@transaction.atomic
def model_tag_set(*, model: RegisteredModel, actor: Actor, key: str, value: str | None) -> None:
    """Set (or with ``value=None`` remove) one tag; the row lock keeps concurrent tag writes from losing updates."""
    if value is not None:
        check_tag(key, value)
    model = RegisteredModel.objects.select_for_update().get(pk=model.pk)
    tags = dict(model.tags or {})
    if value is None:
        if key not in tags:
            return
        tags.pop(key)
    elif tags.get(key) == value:
        return
    else:
        tags[key] = value
    services.model_update(model=model, actor=actor, tags=tags)


@transaction.atomic
def version_tag_set(*, version: ModelVersion, actor: Actor, key: str, value: str | None) -> None:
    if value is not None:
        check_tag(key, value)
    version = ModelVersion.objects.select_for_update().select_related("model").get(pk=version.pk)
    tags = dict(version.tags or {})
    if value is None:
        if key not in tags:
            return
        tags.pop(key)
    elif tags.get(key) == value:
        return
    else:
        tags[key] = value
    services.version_update(version=version, actor=actor, tags=tags)


def _request_promotion(*, version: ModelVersion, actor: Actor, kind: str, alias: str = "") -> Held:
    if not actor.has_perm("registry.add_promotionrequest"):
        raise PermissionError_("Your role cannot request promotions.")
    request, created = services.promotion_request_create(
        version=version, actor=actor, justification=JUSTIFICATION, kind=kind, alias=alias
    )
    request = PromotionRequest.objects.select_related("version__model").get(pk=request.pk)
    return Held(request=request, created=created)


def version_transition(
    *, version: ModelVersion, stage: str, actor: Actor, archive_existing: bool
) -> ModelVersion | Held:
    """Staging/Archived (and the lifecycle's other direct moves) happen now; Production is held for approval."""
    if stage == Stage.PRODUCTION and version.stage != Stage.PRODUCTION:
        return _request_promotion(version=version, actor=actor, kind=RequestKind.STAGE)
    return services.version_transition(version=version, target=stage, actor=actor, archive_existing=archive_existing)


def alias_set(*, model: RegisteredModel, alias: str, version: ModelVersion, actor: Actor) -> ModelAlias | Held | None:
    if services.is_protected_alias(model, alias):
        current = ModelAlias.objects.filter(model=model, alias=alias).values_list("version_id", flat=True).first()
        if current == version.pk:
            return None  # already there: nothing to govern
        return _request_promotion(version=version, actor=actor, kind=RequestKind.ALIAS, alias=alias)
    return services.alias_set(model=model, alias=alias, version=version, actor=actor)
