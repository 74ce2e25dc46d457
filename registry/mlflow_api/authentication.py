"""How the MLflow client authenticates: ``MLFLOW_TRACKING_TOKEN`` as a bearer token (the same DRF tokens as the
native API) or ``MLFLOW_TRACKING_USERNAME``/``PASSWORD`` as HTTP basic auth (checked through ``authenticate`` with the
request, so django-axes counts failures and locks out brute force). No session cookies: no CSRF surface."""

from __future__ import annotations

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
        return user.has_perms(view.required_perms.get(request.method, ()))
