"""How the MLflow client authenticates: ``MLFLOW_TRACKING_TOKEN`` as a bearer token (the same DRF tokens as the
native API) or ``MLFLOW_TRACKING_USERNAME``/``PASSWORD`` as HTTP basic auth (checked through ``authenticate`` with the
request, so django-axes counts failures and locks out brute force). No session cookies: no CSRF surface."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Q
from rest_framework.authentication import BasicAuthentication, TokenAuthentication
from rest_framework.permissions import BasePermission

from mlops_gov.api.authentication import BearerTokenAuthentication


class MlflowBasicAuthentication(BasicAuthentication):
    www_authenticate_realm = "mlops-gov"


AUTHENTICATION_CLASSES = [BearerTokenAuthentication, TokenAuthentication, MlflowBasicAuthentication]


class MlflowRolePermission(BasePermission):
    """The role permissions of the native API, per HTTP method: ``view.required_perms = {"GET": (...), ...}``.

    Object rules (owner or team, four-eyes, protected aliases) stay in the registry services."""

    message = "Your role does not allow this MLflow registry call."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        return has_perms(user, view.required_perms.get(request.method, ()))


def has_perms(user, perms: tuple[str, ...]) -> bool:
    """Same answer as ``user.has_perms`` with the model backend (user and group permissions, superusers have all),
    in one query for just the permissions asked, instead of loading every permission of the user (two queries)."""
    if not perms or user.is_superuser:
        return True
    wanted = {tuple(p.split(".", 1)) for p in perms}
    granted = set(
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .filter(content_type__app_label__in={app for app, _ in wanted}, codename__in={c for _, c in wanted})
        .values_list("content_type__app_label", "codename")
        .distinct()
    )
    return wanted <= granted
