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
    channel: str = "system"  # web, api, admin, cli, task, system


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
