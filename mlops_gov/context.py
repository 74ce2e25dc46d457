"""Per-request (or per-task) context: who is acting and under which request id.

Set by the request middleware, by Celery tasks and by management commands, read by the audit trail so that every
path records the same actor and correlation id without passing them through every call.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ActionContext:
    request_id: str
    actor: Any = None  # a User or None
    channel: str = "system"  # web, api, mlflow, admin, cli, task, system


_current: ContextVar[ActionContext | None] = ContextVar("mlops_gov_action_context", default=None)


def current() -> ActionContext:
    ctx = _current.get()
    if ctx is None:
        return ActionContext(request_id=str(uuid.uuid4()), channel="system")
    return ctx


@contextlib.contextmanager
def acting(*, actor: Any = None, channel: str, request_id: str | None = None) -> Iterator[ActionContext]:
    ctx = ActionContext(request_id=request_id or str(uuid.uuid4()), actor=actor, channel=channel)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


_identity_quiet: ContextVar[bool] = ContextVar("mlops_gov_identity_quiet", default=False)


def identity_audit_quiet() -> bool:
    """True while the role definitions (code) are applied: see ``applying_role_definitions``."""
    return _identity_quiet.get()


@contextlib.contextmanager
def applying_role_definitions() -> Iterator[None]:
    """The role groups and their permissions are defined in code (mlops_gov.roles) and applied by ``migrate``, which
    may run while the audit table is still at an older schema: those changes are not identity events. Who holds
    which role, and any hand edit of a group, are."""
    token = _identity_quiet.set(True)
    try:
        yield
    finally:
        _identity_quiet.reset(token)
