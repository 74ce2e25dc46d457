"""Identity is evidence too: who holds which role decides who may approve. Every change of a user's groups,
permissions or staff/superuser/active flags, every user created or deleted, every change of a role's permissions and
every API token issued or revoked is an audit event. Recorded from the model signals (registry.signals), so the
admin, ``createsuperuser``, management commands and the shell are all covered; the actor and channel come from the
action context (the request's user, or the command)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission

from mlops_gov.actors import Actor
from registry.audit import audit_record

# The user fields whose change is recorded (a new password only as password_changed, never its hash).
USER_FIELDS = ("username", "email", "is_active", "is_staff", "is_superuser")


def user_state(user: Actor) -> dict[str, Any]:
    return {field: getattr(user, field, None) for field in USER_FIELDS}


def token_fingerprint(key: str) -> str:
    """Names a token in the trail without revealing it: the first 12 hex digits of its SHA-256."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _who(user: Actor) -> dict[str, Any]:
    return {"user_id": user.pk, "username": user.get_username()}


def user_created(user: Actor) -> None:
    audit_record(action="identity.user_created", obj=user, after={**_who(user), **user_state(user)})


def user_changed(user: Actor, before: dict[str, Any], *, password_changed: bool) -> None:
    after = user_state(user)
    changed = {k: after[k] for k in USER_FIELDS if before.get(k) != after[k]}
    if password_changed:
        changed["password_changed"] = True
    if not changed:
        return
    audit_record(
        action="identity.user_changed",
        obj=user,
        before={**_who(user), **{k: before.get(k) for k in changed if k != "password_changed"}},
        after={**_who(user), **changed},
    )


def user_deleted(user: Actor) -> None:
    audit_record(action="identity.user_deleted", obj=user, before={**_who(user), **user_state(user)})


def groups_changed(user: Actor, *, added: Iterable[str] = (), removed: Iterable[str] = ()) -> None:
    added, removed = sorted(added), sorted(removed)
    if added or removed:
        audit_record(
            action="identity.groups_changed", obj=user, after={**_who(user), "added": added, "removed": removed}
        )


def user_permissions_changed(user: Actor, *, added: Iterable[str] = (), removed: Iterable[str] = ()) -> None:
    added, removed = sorted(added), sorted(removed)
    if added or removed:
        audit_record(
            action="identity.permissions_changed",
            obj=user,
            after={**_who(user), "added": added, "removed": removed},
        )


def group_saved(group: Group, *, created: bool, old_name: str = "") -> None:
    if created:
        audit_record(action="identity.group_created", obj=group, after={"name": group.name})
    elif old_name and old_name != group.name:
        audit_record(action="identity.group_renamed", obj=group, before={"name": old_name}, after={"name": group.name})


def group_deleted(group: Group) -> None:
    audit_record(action="identity.group_deleted", obj=group, before={"name": group.name})


def group_permissions_changed(group: Group, *, added: Iterable[str] = (), removed: Iterable[str] = ()) -> None:
    added, removed = sorted(added), sorted(removed)
    if added or removed:
        audit_record(
            action="identity.group_permissions_changed",
            obj=group,
            after={"group": group.name, "added": added, "removed": removed},
        )


def token_issued(user: Actor, key: str) -> None:
    audit_record(
        action="identity.token_issued",
        object_type="authtoken.token",
        object_id=token_fingerprint(key),
        object_repr=f"API token of {user.get_username()}",
        after={**_who(user), "token": token_fingerprint(key)},
    )


def token_revoked(user: Actor, key: str) -> None:
    audit_record(
        action="identity.token_revoked",
        object_type="authtoken.token",
        object_id=token_fingerprint(key),
        object_repr=f"API token of {user.get_username()}",
        before={**_who(user), "token": token_fingerprint(key)},
    )


def permission_names(pks: Iterable[int]) -> list[str]:
    return [
        f"{app}.{codename}"
        for app, codename in Permission.objects.filter(pk__in=list(pks)).values_list(
            "content_type__app_label", "codename"
        )
    ]


def group_names(pks: Iterable[int]) -> list[str]:
    return list(Group.objects.filter(pk__in=list(pks)).values_list("name", flat=True))
