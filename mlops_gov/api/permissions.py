"""API permission classes. The default is DenyAll: a view that names no permission serves nobody."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class DenyAll(BasePermission):
    message = gettext_lazy("This endpoint declares no permission; access is denied by default.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return False


class RoleModelPermissions(DjangoModelPermissions):
    """Model permissions from the user's roles; reads need ``view_<model>`` too (auditors are read-only)."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }


class ReadOnlyRolePermissions(RoleModelPermissions):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS and super().has_permission(request, view)


class IsAuthenticatedUser(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_active)


class ViewerMayCall(RoleModelPermissions):
    """For actions whose rules live in the service (e.g. approve: approver, never the requester, audited when
    refused): any method only needs the model's view permission here."""

    perms_map = {method: ["%(app_label)s.view_%(model_name)s"] for method in RoleModelPermissions.perms_map}


class ChangeForWrites(RoleModelPermissions):
    """Writes to a sub-resource (aliases, cards) need the parent's change permission, DELETE included."""

    perms_map = {
        **RoleModelPermissions.perms_map,
        "POST": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.change_%(model_name)s"],
    }
