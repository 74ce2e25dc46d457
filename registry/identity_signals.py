"""Signal receivers that put identity changes in the audit chain (registry.services.identity does the recording).

m2m_changed gives the ids added or removed ("post_add", "post_remove"); a clear ("pre_clear") is read before it
happens. A user's flags are compared with the row as it was before the save.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from rest_framework.authtoken.models import Token

from mlops_gov.context import identity_audit_quiet
from registry.services import identity

_UID = "registry.identity"


def _recorded(receiver):
    """Receivers stay silent while the role definitions (code) are applied by migrate (mlops_gov.roles)."""

    def wrapper(*args: Any, **kwargs: Any) -> None:
        if not identity_audit_quiet():
            receiver(*args, **kwargs)

    wrapper.__name__ = receiver.__name__
    return wrapper


@_recorded
def _user_pre_save(sender, instance, raw: bool = False, update_fields=None, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        return
    if update_fields is not None and not (set(update_fields) & {*identity.USER_FIELDS, "password"}):
        return  # e.g. the login's last_login update
    old = sender.objects.filter(pk=instance.pk).values(*identity.USER_FIELDS, "password").first()
    instance._identity_before = old


@_recorded
def _user_post_save(sender, instance, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    if created:
        identity.user_created(instance)
        return
    before = getattr(instance, "_identity_before", None)
    instance._identity_before = None
    if before is not None:
        identity.user_changed(instance, before, password_changed=before["password"] != instance.password)


@_recorded
def _user_post_delete(sender, instance, **kwargs: Any) -> None:
    identity.user_deleted(instance)


@_recorded
def _user_groups(sender, instance, action: str, reverse: bool, pk_set, **kwargs: Any) -> None:
    _memberships(instance, action, reverse, pk_set, get_user_model(), "groups", identity.group_names)


@_recorded
def _user_permissions(sender, instance, action: str, reverse: bool, pk_set, **kwargs: Any) -> None:
    if reverse:  # permission.user_set.add(...): rare; record it per user
        users = get_user_model().objects.filter(pk__in=pk_set or [])
        name = identity.permission_names([instance.pk])
        for user in users:
            if action == "post_add":
                identity.user_permissions_changed(user, added=name)
            elif action == "post_remove":
                identity.user_permissions_changed(user, removed=name)
        return
    _memberships(instance, action, reverse, pk_set, get_user_model(), "user_permissions", identity.permission_names)


def _memberships(instance, action, reverse, pk_set, user_model, field, names) -> None:
    record = identity.groups_changed if field == "groups" else identity.user_permissions_changed
    if reverse:  # group.user_set.add(user...): instance is the group, pk_set the users
        label = [instance.name]
        if action == "pre_clear":
            instance._identity_cleared = list(instance.user_set.values_list("pk", flat=True))
            return
        pks = pk_set if action in ("post_add", "post_remove") else getattr(instance, "_identity_cleared", [])
        for user in user_model.objects.filter(pk__in=list(pks or [])):
            if action == "post_add":
                record(user, added=label)
            elif action in ("post_remove", "post_clear"):
                record(user, removed=label)
        return
    if action == "pre_clear":
        instance._identity_cleared = list(getattr(instance, field).values_list("pk", flat=True))
    elif action == "post_add":
        record(instance, added=names(pk_set or []))
    elif action == "post_remove":
        record(instance, removed=names(pk_set or []))
    elif action == "post_clear":
        record(instance, removed=names(getattr(instance, "_identity_cleared", [])))


@_recorded
def _group_pre_save(sender, instance, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.pk is not None:
        instance._identity_old_name = sender.objects.filter(pk=instance.pk).values_list("name", flat=True).first()


@_recorded
def _group_post_save(sender, instance, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        identity.group_saved(instance, created=created, old_name=getattr(instance, "_identity_old_name", "") or "")


@_recorded
def _group_post_delete(sender, instance, **kwargs: Any) -> None:
    identity.group_deleted(instance)


@_recorded
def _group_permissions(sender, instance, action: str, reverse: bool, pk_set, **kwargs: Any) -> None:
    if reverse:  # permission.group_set.add(group...)
        name = identity.permission_names([instance.pk])
        for group in Group.objects.filter(pk__in=list(pk_set or [])):
            if action == "post_add":
                identity.group_permissions_changed(group, added=name)
            elif action == "post_remove":
                identity.group_permissions_changed(group, removed=name)
        return
    if action == "pre_clear":
        instance._identity_cleared = list(instance.permissions.values_list("pk", flat=True))
    elif action == "post_add":
        identity.group_permissions_changed(instance, added=identity.permission_names(pk_set or []))
    elif action == "post_remove":
        identity.group_permissions_changed(instance, removed=identity.permission_names(pk_set or []))
    elif action == "post_clear":
        cleared = identity.permission_names(getattr(instance, "_identity_cleared", []))
        identity.group_permissions_changed(instance, removed=cleared)


@_recorded
def _token_saved(sender, instance, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        identity.token_issued(instance.user, instance.key)


@_recorded
def _token_deleted(sender, instance, **kwargs: Any) -> None:
    identity.token_revoked(instance.user, instance.key)


def connect_signals() -> None:
    User = get_user_model()
    pre_save.connect(_user_pre_save, sender=User, dispatch_uid=f"{_UID}.user-pre")
    post_save.connect(_user_post_save, sender=User, dispatch_uid=f"{_UID}.user-post")
    post_delete.connect(_user_post_delete, sender=User, dispatch_uid=f"{_UID}.user-delete")
    m2m_changed.connect(_user_groups, sender=User.groups.through, dispatch_uid=f"{_UID}.user-groups")
    m2m_changed.connect(_user_permissions, sender=User.user_permissions.through, dispatch_uid=f"{_UID}.user-perms")
    pre_save.connect(_group_pre_save, sender=Group, dispatch_uid=f"{_UID}.group-pre")
    post_save.connect(_group_post_save, sender=Group, dispatch_uid=f"{_UID}.group-post")
    post_delete.connect(_group_post_delete, sender=Group, dispatch_uid=f"{_UID}.group-delete")
    m2m_changed.connect(_group_permissions, sender=Group.permissions.through, dispatch_uid=f"{_UID}.group-perms")
    post_save.connect(_token_saved, sender=Token, dispatch_uid=f"{_UID}.token-saved")
    post_delete.connect(_token_deleted, sender=Token, dispatch_uid=f"{_UID}.token-deleted")
