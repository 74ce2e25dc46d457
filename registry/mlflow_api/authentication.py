"""How the MLflow client authenticates: ``MLFLOW_TRACKING_TOKEN`` as a bearer token (the same DRF tokens as the
native API) or ``MLFLOW_TRACKING_USERNAME``/``PASSWORD`` as HTTP basic auth (checked through ``authenticate`` with the
request, so django-axes counts failures and locks out brute force). No session cookies: no CSRF surface.

Token callers' reads are served from a short-lived cache: token -> (user, the user's role permissions), so a read
costs no authentication query. Bounds on staleness:
- every change that can take access away (token deleted or replaced, user saved or deleted, a group or permission
  added to or removed from a user, a group's permissions changed, a group or permission deleted) starts a new cache
  generation at once and again when its transaction commits, so every entry cached before it is ignored. With a
  shared cache (``CACHE_URL``) that holds for every process at once;
- with the in-process default cache another worker process only sees such a change when its entry expires:
  ``MLOPS_GOV["MLFLOW_AUTH_CACHE_SECONDS"]`` (env ``MLFLOW_AUTH_CACHE_SECONDS``, default 5; 0 turns the cache off);
- writes (every non-read method) never use the cache: the token and the role are read from the database each time;
- unknown tokens and basic-auth passwords are never cached (basic auth goes through ``authenticate`` and axes).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from rest_framework.authentication import BasicAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import SAFE_METHODS, BasePermission

from mlops_gov.actors import Actor
from mlops_gov.api.authentication import BearerTokenAuthentication

CACHE_PREFIX = "mlflow-auth"
GENERATION_KEY = f"{CACHE_PREFIX}:generation"


@dataclass(frozen=True)
class Grant:
    """What a token caller may do, read with the token (``request.auth`` of a token caller)."""

    perms: frozenset[str]
    superuser: bool = False

    def allows(self, wanted: tuple[str, ...]) -> bool:
        return self.superuser or self.perms.issuperset(wanted)


def cache_seconds() -> int:
    return int(settings.MLOPS_GOV.get("MLFLOW_AUTH_CACHE_SECONDS", 5))


def grant_of(user: Actor) -> Grant:
    """Every permission of the user, from the user and their groups (one query; none for a superuser), with the
    model backend's rule: an inactive user has none."""
    if not user.is_active:
        return Grant(frozenset())
    if user.is_superuser:
        return Grant(frozenset(), superuser=True)
    rows = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .distinct()
    )
    return Grant(frozenset(f"{app}.{codename}" for app, codename in rows))


# --- the cache ------------------------------------------------------------------------------------------------------


def _generation() -> int:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Missing (first use, or evicted): a new value never used before, so no older entry can match it.
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        generation = cache.get(GENERATION_KEY, 0)
    return generation


def _entry_key(token_key: str) -> str:
    return f"{CACHE_PREFIX}:{_generation()}:{hashlib.sha256(token_key.encode()).hexdigest()}"


def _new_generation() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)


def forget_cached_callers() -> None:
    """Ignore every cached token caller from now on, and again once the current transaction commits (a request that
    re-cached the old rows between the change and its commit is dropped then)."""
    _new_generation()
    transaction.on_commit(_new_generation)


class CachedTokenMixin(TokenAuthentication):
    """Token authentication whose reads are cached (see the module docstring); writes always hit the database."""

    def authenticate(self, request):
        self._cacheable = request.method in SAFE_METHODS and cache_seconds() > 0
        return super().authenticate(request)

    def authenticate_credentials(self, key: str):
        entry_key = _entry_key(key) if getattr(self, "_cacheable", False) else None
        if entry_key is not None:
            cached = cache.get(entry_key)
            if cached is not None:
                return cached
        user, _token = super().authenticate_credentials(key)  # unknown token or inactive user: refused, not cached
        answer = (user, grant_of(user))
        if entry_key is not None:
            cache.set(entry_key, answer, cache_seconds())
        return answer


class MlflowBearerAuthentication(CachedTokenMixin, BearerTokenAuthentication):
    pass


class MlflowTokenAuthentication(CachedTokenMixin, TokenAuthentication):
    pass


class MlflowBasicAuthentication(BasicAuthentication):
    www_authenticate_realm = "mlops-gov"


AUTHENTICATION_CLASSES = [MlflowBearerAuthentication, MlflowTokenAuthentication, MlflowBasicAuthentication]


class MlflowRolePermission(BasePermission):
    """The role permissions of the native API, per HTTP method: ``view.required_perms = {"GET": (...), ...}``.

    Object rules (owner or team, four-eyes, protected aliases) stay in the registry services."""

    message = "Your role does not allow this MLflow registry call."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        wanted = view.required_perms.get(request.method, ())
        if isinstance(request.auth, Grant):  # token callers: read with the token
            return request.auth.allows(wanted)
        return has_perms(user, wanted)


def has_perms(user: Actor, perms: tuple[str, ...]) -> bool:
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


# --- invalidation ---------------------------------------------------------------------------------------------------


def _on_change(sender, **kwargs) -> None:
    forget_cached_callers()


def _on_user_saved(sender, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing the door relies on
    forget_cached_callers()


def _on_membership_changed(sender, action: str, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        forget_cached_callers()


def connect_signals() -> None:
    """Called from the registry app's ``ready``, so every process (web, admin, worker) invalidates, not only the ones
    that served an MLflow call."""
    user_model = get_user_model()
    uid = "mlflow-auth-cache"
    post_save.connect(_on_change, sender=Token, dispatch_uid=f"{uid}-token-saved")
    post_delete.connect(_on_change, sender=Token, dispatch_uid=f"{uid}-token-deleted")
    post_save.connect(_on_user_saved, sender=user_model, dispatch_uid=f"{uid}-user-saved")
    post_delete.connect(_on_change, sender=user_model, dispatch_uid=f"{uid}-user-deleted")
    post_delete.connect(_on_change, sender=Group, dispatch_uid=f"{uid}-group-deleted")
    post_delete.connect(_on_change, sender=Permission, dispatch_uid=f"{uid}-permission-deleted")
    for through in (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_on_membership_changed, sender=through, dispatch_uid=f"{uid}-{through._meta.label}")
