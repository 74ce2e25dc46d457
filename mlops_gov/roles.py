"""Roles are Django groups with model permissions. Defined here once; applied by a data migration and kept in
sync after every ``migrate`` (new models get their permissions without a hand edit)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from django.apps.registry import Apps

from mlops_gov.context import applying_role_definitions

ROLE_DATA_SCIENTIST = "data scientist"
ROLE_ML_ENGINEER = "ML engineer"
ROLE_APPROVER = "approver"
ROLE_AUDITOR = "auditor"
ROLES = (ROLE_DATA_SCIENTIST, ROLE_ML_ENGINEER, ROLE_APPROVER, ROLE_AUDITOR)
# A role as pages name it (the group's name stays the stored key).
ROLE_LABELS = {
    ROLE_DATA_SCIENTIST: gettext_lazy("data scientist"),
    ROLE_ML_ENGINEER: gettext_lazy("ML engineer"),
    ROLE_APPROVER: gettext_lazy("approver"),
    ROLE_AUDITOR: gettext_lazy("auditor"),
}

DOMAIN_APPS = ("registry", "assessments", "monitoring", "reports")

# Which models each role may add/change (view is granted on every domain model to every role).
_AUTHOR_MODELS = {
    # Not "team": team membership grants edit rights on the team's models, so only administrators change it.
    "registry": ["registeredmodel", "modelversion", "modelcard", "modelalias", "promotionrequest"],
    "assessments": ["assessment", "answer"],
    "monitoring": ["dataset", "datasetimport", "driftcheck", "monitoringconfig"],
    "reports": ["governancereport"],
}
_ENGINEER_EXTRA = {
    "monitoring": ["webhookendpoint", "alertrule"],
}
# Custom permissions (declared in the models' Meta.permissions).
_CUSTOM = {
    ROLE_APPROVER: ["registry.decide_promotionrequest"],
    ROLE_AUDITOR: ["registry.verify_audit", "registry.export_audit"],
}


def _model_perms(models_by_app: dict[str, list[str]], actions: Iterable[str]) -> list[str]:
    return [
        f"{app}.{action}_{model}" for app, models in models_by_app.items() for model in models for action in actions
    ]


def role_permissions(all_domain_models: dict[str, list[str]]) -> dict[str, list[str]]:
    """Return ``{role: ["app.codename", ...]}`` given the domain models that exist."""
    view_all = _model_perms(all_domain_models, ["view"])
    author = _model_perms(_AUTHOR_MODELS, ["add", "change"])
    engineer_extra = _model_perms(_ENGINEER_EXTRA, ["add", "change", "delete"])
    return {
        ROLE_DATA_SCIENTIST: view_all + author,
        ROLE_ML_ENGINEER: view_all + author + engineer_extra,
        ROLE_APPROVER: view_all + _CUSTOM[ROLE_APPROVER],
        ROLE_AUDITOR: view_all + _CUSTOM[ROLE_AUDITOR],
    }


def sync_roles(apps: Apps | None = None, verbosity: int = 0) -> dict[str, int]:
    """Create the role groups and set their permissions (idempotent). ``apps`` is a migration app registry or None."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    registry = apps or global_apps
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=registry)

    Group = registry.get_model("auth", "Group")
    Permission = registry.get_model("auth", "Permission")
    domain_models = {
        app: [m._meta.model_name for m in registry.get_app_config(app).get_models() if m._meta.model_name]
        for app in DOMAIN_APPS
        if app in {c.label for c in registry.get_app_configs()}
    }
    wanted = role_permissions(domain_models)
    counts: dict[str, int] = {}
    with applying_role_definitions():
        _apply(Group, Permission, wanted, counts)
    return counts


def _apply(group_model: Any, permission_model: Any, wanted: dict[str, list[str]], counts: dict[str, int]) -> None:
    for role, perm_names in wanted.items():
        group, _ = group_model.objects.get_or_create(name=role)
        perms = []
        for name in perm_names:
            app_label, codename = name.split(".", 1)
            perm = permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)
        counts[role] = len(perms)
