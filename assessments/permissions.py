"""Who may do what with assessments (shared by the API, the pages and the admin)."""

from __future__ import annotations

from typing import TypeGuard

from mlops_gov.actors import Viewer
from registry.models import RegisteredModel
from registry.permissions import is_model_team_member


def _active(user: Viewer | None) -> TypeGuard[Viewer]:
    return bool(user and user.is_authenticated and user.is_active)


def can_view(user: Viewer | None) -> bool:
    return _active(user) and user.has_perm("assessments.view_assessment")


def can_author(user: Viewer | None) -> bool:
    """A role that may author assessments (on its own team's models: ``can_start``)."""
    return _active(user) and user.has_perm("assessments.add_assessment")


def can_start(user: Viewer | None, model: RegisteredModel) -> bool:
    """Only the model's team (owner or members) with a role that may author assessments."""
    return _active(user) and user.has_perm("assessments.add_assessment") and is_model_team_member(user, model)


def can_answer(user: Viewer | None, model: RegisteredModel) -> bool:
    return _active(user) and user.has_perm("assessments.change_answer") and is_model_team_member(user, model)
