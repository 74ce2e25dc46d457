"""The audit trail service: append hash-chained events, verify the chain.

Every service that changes state calls ``audit_record`` inside its own transaction, so the event commits or rolls
back with the change, whichever path (API, pages, admin, CLI, Celery task) called the service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.dispatch import Signal
from django.utils import timezone

from mlops_gov import context
from registry.domain import hashchain
from registry.models import AuditChainHead, AuditEvent, RegisteredModel

# Sent after commit for every audit event: receivers (webhooks, alerts) react to governance events.
governance_event = Signal()

_REPR_MAX = 300


def _resolve_actor(actor: Any) -> Any:
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
    if version is not None and isinstance(getattr(version, "model", None), RegisteredModel):
        return version.model
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
    actor: Any = None,
) -> AuditEvent:
    """Append one event to the chain (serialised by a row lock on the chain head)."""
    ctx = context.current()
    actor = _resolve_actor(actor)
    concerned = model or _model_of(obj)
    with transaction.atomic():
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
        fields["canonical"], fields["hash"] = hashchain.seal(_hashable(fields))
        event = AuditEvent.objects.create(**fields)
        head.sequence, head.hash = event.sequence, event.hash
        head.save(update_fields=["sequence", "hash"])
    transaction.on_commit(lambda: governance_event.send(sender=AuditEvent, event=event))
    return event


def _hashable(fields: dict[str, Any]) -> dict[str, Any]:
    """The hashed form: times as ISO-8601 UTC with microseconds (identical on every database)."""
    hashable = dict(fields)
    hashable["occurred_at"] = _iso(fields["occurred_at"])
    return hashable


def _iso(value) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _iter_stored_events(chunk_size: int = 5000) -> Iterator[dict[str, Any]]:
    """Stream events in sequence order (keyset pagination keeps memory flat on millions of rows)."""
    names = (*hashchain.HASHED_FIELDS, "hash", "canonical")
    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(sequence__gt=last).order_by("sequence").values_list(*names)[:chunk_size])
        if not rows:
            return
        for row in rows:
            event = dict(zip(names, row, strict=True))
            event["occurred_at"] = _iso(event["occurred_at"])
            yield event
        last = rows[-1][0]


def audit_verify() -> hashchain.VerifyResult:
    """Recompute the whole chain and compare its end with the recorded head (detects a deleted tail).

    On PostgreSQL the fast path hashes each stored payload and lets the database check, row by row, that the columns
    still equal the payload's content; any doubt (a legacy row without payload, a payload that is not even JSON, a
    break found) is settled by the full recomputation from the columns, which names the first broken event.
    """
    # The head and the events must be read from one snapshot, or a concurrent append would look like an insertion.
    outer = connection.in_atomic_block
    with transaction.atomic():
        if using_postgresql() and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash").first()
        expected = tuple(head) if head else (0, hashchain.GENESIS_HASH)
        if using_postgresql():
            try:
                with transaction.atomic():  # a savepoint: a failed fast path leaves the snapshot usable
                    rows = _iter_sealed_rows()
                    try:
                        result = hashchain.verify_sealed(rows, expected_head=expected)
                    finally:
                        rows.close()
            except (_LegacyRow, DatabaseError):
                result = None
            if result is not None and result.ok:
                return result
        return hashchain.verify(_iter_stored_events(), expected_head=expected)


class _LegacyRow(Exception):
    """An event stored before payloads were kept: verify the slow way."""


# The columns rebuilt as JSON, compared with the stored payload as JSON values (jsonb equality).
_SEALED_SQL = """
SELECT sequence, prev_hash, hash, canonical,
       canonical <> '' AND canonical::jsonb = jsonb_build_object(
           'sequence', sequence,
           'occurred_at', to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           'actor_id', actor_id, 'actor_name', actor_name, 'request_id', request_id, 'channel', channel,
           'action', action, 'object_type', object_type, 'object_id', object_id, 'object_repr', object_repr,
           'model_id', model_id, 'model_name', model_name, 'before', before, 'after', after,
           'prev_hash', prev_hash)
FROM registry_auditevent ORDER BY sequence
"""


def _iter_sealed_rows(chunk_size: int = 20000) -> Iterator[tuple[int, str, str, str, bool]]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(_SEALED_SQL)
        while True:
            rows = cursor.fetchmany(chunk_size)
            if not rows:
                return
            for row in rows:
                if not row[3]:
                    raise _LegacyRow
            yield from rows


def audit_head() -> dict[str, Any]:
    head = AuditChainHead.objects.filter(pk=1).values("sequence", "hash").first()
    return head or {"sequence": 0, "hash": hashchain.GENESIS_HASH}


def using_postgresql() -> bool:
    return connection.vendor == "postgresql"
