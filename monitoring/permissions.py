"""Object-level rules of the monitoring app: a model's team uploads its data, runs and configures its checks."""

from __future__ import annotations

from mlops_gov.actors import Viewer
from registry.models import RegisteredModel
from registry.permissions import is_model_team_member


def _team_with(user: Viewer | None, model: RegisteredModel, perm: str) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.has_perm(perm) and is_model_team_member(user, model)


def can_upload(user: Viewer | None, model: RegisteredModel) -> bool:
    return _team_with(user, model, "monitoring.add_dataset")


def can_run_checks(user: Viewer | None, model: RegisteredModel) -> bool:
    return _team_with(user, model, "monitoring.add_driftcheck")


def can_configure(user: Viewer | None, model: RegisteredModel) -> bool:
    return _team_with(user, model, "monitoring.change_monitoringconfig")


def can_view(user: Viewer | None) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("monitoring.view_driftcheck"))
