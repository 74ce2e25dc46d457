"""Object-level rules shared by every interface (API, pages, admin, MLflow door)."""

from __future__ import annotations

from typing import TypeGuard

from mlops_gov.actors import Actor, Viewer
from registry.models import RegisteredModel


def is_model_team_member(user: Viewer | None, model: RegisteredModel) -> bool:
    if not (user and user.is_authenticated):
        return False
    if model.owner_id == user.pk:
        return True
    return model.team is not None and model.team.members.filter(pk=user.pk).exists()


def can_edit_model(user: Viewer | None, model: RegisteredModel) -> bool:
    """Owners and their team edit a model, if their role lets them change models; superusers always."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.has_perm("registry.change_registeredmodel") and is_model_team_member(user, model)


def can_create_models(user: Viewer | None) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("registry.add_registeredmodel"))


def can_decide(user: Viewer | None) -> TypeGuard[Actor]:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("registry.decide_promotionrequest"))


def can_view_registry(user: Viewer | None) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("registry.view_registeredmodel"))
