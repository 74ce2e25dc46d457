"""Append events to the audit hash chain.

Every service that changes state calls ``audit_record`` inside its own transaction, so the event commits or rolls
back with the change, whichever path (API, pages, admin, CLI, Celery task) called the service.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone, translation

from mlops_gov import context
from registry.domain import hashchain
from registry.models import AuditChainHead, AuditEvent, RegisteredModel
from registry.signals import governance_event

if TYPE_CHECKING:
    from mlops_gov.actors import Actor

_REPR_MAX = 300


def _resolve_actor(actor: Actor | None) -> Any:
    if actor is not None:
        return actor
    ctx_actor = context.current().actor
    if ctx_actor is not None and hasattr(ctx_actor, "resolve"):
        return ctx_actor.resolve()
    return ctx_actor


def _model_of(obj: Any) -> RegisteredModel | None:
    if obj is None:
        return None
    if isinstance(obj, RegisteredModel):
        return obj
    for attr in ("model", "registered_model"):
        candidate = getattr(obj, attr, None)
        if isinstance(candidate, RegisteredModel):
            return candidate
    version = getattr(obj, "version", None)
    model = getattr(version, "model", None) if version is not None else None
    if isinstance(model, RegisteredModel):
        return model
    return None


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def audit_record(
    *,
    action: str,
    obj: Model | None = None,
    model: RegisteredModel | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_repr: str | None = None,
    before: Any = None,
    after: Any = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """Append one event to the chain (serialised by a row lock on the chain head)."""
    ctx = context.current()
    actor = _resolve_actor(actor)
    concerned = model or _model_of(obj)
    # The stored event never depends on the reader's language: names and labels (an object's str(), a choice's label,
    # anything marked for translation in the payload) are written in the source language, English.
    with transaction.atomic(), translation.override(None):
        head = _lock_head()
        fields = {
            "sequence": head.sequence + 1,
            "occurred_at": timezone.now(),
            "actor_id": getattr(actor, "pk", None),
            "actor_name": actor.get_username() if actor is not None else ctx.channel,
            "request_id": ctx.request_id,
            "channel": ctx.channel,
            "action": action,
            "object_type": object_type or (obj._meta.label_lower if obj is not None else ""),
            "object_id": str(object_id if object_id is not None else getattr(obj, "pk", "") or ""),
            "object_repr": (object_repr if object_repr is not None else str(obj) if obj is not None else "")[
                :_REPR_MAX
            ],
            "model_id": concerned.pk if concerned is not None else None,
            "model_name": concerned.name if concerned is not None else "",
            "before": hashchain.to_json_safe(before),
            "after": hashchain.to_json_safe(after),
            "prev_hash": head.hash,
        }
        canonical, digest = hashchain.seal(_hashable(fields))
        # Only the payload and its hash are written: the database derives every other column from the payload
        # (and returns them), so the event's columns are exactly what was hashed.
        event = AuditEvent.objects.create(canonical=canonical, hash=digest)
        head.sequence, head.hash = event.sequence, event.hash
        head.save(update_fields=["sequence", "hash"])
    transaction.on_commit(lambda: governance_event.send(sender=AuditEvent, event=event))
    return event


def _hashable(fields: dict[str, Any]) -> dict[str, Any]:
    """The hashed form: times as ISO-8601 UTC with microseconds (identical on every database)."""
    hashable = dict(fields)
    hashable["occurred_at"] = _iso(fields["occurred_at"])
    return hashable


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def audit_head() -> dict[str, Any]:
    head = AuditChainHead.objects.filter(pk=1).values("sequence", "hash").first()
    return dict(head) if head else {"sequence": 0, "hash": hashchain.GENESIS_HASH}
