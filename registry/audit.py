"""The audit trail service: append hash-chained events, verify the chain.

Every service that changes state calls ``audit_record`` inside its own transaction, so the event commits or rolls
back with the change, whichever path (API, pages, admin, CLI, Celery task) called the service.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max, Min, Model
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


def _iso(value) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _iter_stored_events(chunk_size: int = 5000) -> Iterator[dict[str, Any]]:
    """Stream events in sequence order (keyset pagination keeps memory flat on millions of rows). No lower bound on
    the first chunk: an event forged with a sequence of 0 or below is reported as out of order, not skipped."""
    names = (*hashchain.HASHED_FIELDS, "hash", "canonical")
    events = AuditEvent.objects.exclude(sequence=None).order_by("sequence")
    last = None
    while True:
        chunk = events if last is None else events.filter(sequence__gt=last)
        rows = list(chunk.values_list(*names)[:chunk_size])
        if not rows:
            return
        for row in rows:
            event = dict(zip(names, row, strict=True))
            event["occurred_at"] = _iso(event["occurred_at"])
            yield event
        last = rows[-1][0]


def audit_verify(*, independent: bool = False) -> hashchain.VerifyResult:
    """Check the whole chain and compare its end with the recorded head (detects a deleted tail).

    On PostgreSQL, while every hashed column is still generated by the database from the payload, checking each
    payload's hash and each link checks the columns too. By default the database does that work where the data is
    (SHA-256 over every payload in a parallel scan; the links in one pass over a covering index). ``independent``
    hashes every payload here in Python instead, for an auditor who does not want to rely on the database's own
    SHA-256. Anything that does not check out, a schema that no longer generates the columns, and SQLite, go through
    the full recomputation from the columns, which names the first broken event and why.
    """
    # The head and the events must be read from one snapshot, or a concurrent append would look like an insertion.
    outer = connection.in_atomic_block
    with transaction.atomic():
        if using_postgresql() and not outer:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        head = AuditChainHead.objects.filter(pk=1).values_list("sequence", "hash").first()
        expected = tuple(head) if head else (0, hashchain.GENESIS_HASH)
        total, numbered, lowest, highest = _sequence_bounds()
        if numbered != total:
            missing = total - numbered
            reason = f"{missing} event(s) carry no sequence in their payload (inserted outside the audit service)"
            return hashchain.VerifyResult(False, 0, 0, hashchain.GENESIS_HASH, hashchain.Break(0, reason))
        contiguous = total == 0 or (lowest == 1 and highest == total)
        if using_postgresql() and contiguous and audit_columns_generated_from_payload():
            fast = _verify_payloads_postgresql if independent else _verify_in_postgresql
            result = fast(total, expected)
            if result is not None and result.ok:
                return result
        return hashchain.verify(_iter_stored_events(), expected_head=expected)


# Every payload against its stored hash: a parallel sequential scan; pg_catalog named so no search_path can swap it.
_HASHES_SQL = """
SELECT count(*) FROM registry_auditevent
WHERE encode(pg_catalog.sha256(pg_catalog.convert_to(canonical, 'UTF8')), 'hex') IS DISTINCT FROM hash
"""
# Every prev_hash against the previous event's hash: one ordered pass over the covering index (sequence, hash,
# prev_hash), an index-only scan on a vacuumed table.
_LINKS_SQL = """
SELECT count(*) FILTER (WHERE prev_hash IS DISTINCT FROM expected)
FROM (SELECT prev_hash, lag(hash, 1, %s) OVER (ORDER BY sequence) AS expected FROM registry_auditevent) links
"""


def _verify_in_postgresql(total: int, expected: tuple[int, str]) -> hashchain.VerifyResult | None:
    # The payload scan (the long part) runs on a second connection that shares this transaction's snapshot, while
    # this one checks the links; when no second connection can be had, both run here, one after the other.
    edited = _on_snapshot_twin(_HASHES_SQL)
    with connection.cursor() as cursor:
        cursor.execute(_LINKS_SQL, [hashchain.GENESIS_HASH])
        (unlinked,) = cursor.fetchone()
        cursor.execute("SELECT hash FROM registry_auditevent ORDER BY sequence DESC LIMIT 1")
        last = cursor.fetchone()
        if edited is None:
            cursor.execute(_HASHES_SQL)
            count = cursor.fetchone()[0]
        else:
            try:
                count = edited()
            except DatabaseError:
                return None  # settled by the full recomputation
    if count or unlinked:
        return None
    return hashchain.check_head(total, total, last[0] if last else hashchain.GENESIS_HASH, expected)


def _on_snapshot_twin(sql: str) -> Callable[[], Any] | None:
    """Start ``sql`` (one value) on a new connection that imports this transaction's snapshot; return a function that
    waits for its value. None (run it yourself) inside a caller's transaction, whose isolation level is not ours to
    set, or when no connection can be opened."""
    if connection.savepoint_ids:
        return None  # inside a caller's transaction (ours would be a savepoint): its isolation level is not ours
    import psycopg  # PostgreSQL only
    from psycopg import sql as psycopg_sql

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        twin = connection.get_new_connection(connection.get_connection_params())
    except (DatabaseError, psycopg.Error):
        return None
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            twin.autocommit = True
            with twin.cursor() as cursor:
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                cursor.execute(psycopg_sql.SQL("SET TRANSACTION SNAPSHOT {}").format(psycopg_sql.Literal(snapshot)))
                cursor.execute(sql)
                outcome["value"] = cursor.fetchone()[0]
                cursor.execute("ROLLBACK")
        except psycopg.Error as exc:  # re-raised in the caller's thread, as a DatabaseError
            outcome["error"] = DatabaseError(str(exc))
        finally:
            twin.close()

    worker = threading.Thread(target=run, name="audit-verify-twin", daemon=True)
    worker.start()

    def result() -> Any:
        worker.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    return result


def _sequence_bounds() -> tuple[int, int, int | None, int | None]:
    bounds = AuditEvent.objects.aggregate(
        total=Count("*"), numbered=Count("sequence"), lowest=Min("sequence"), highest=Max("sequence")
    )
    return bounds["total"], bounds["numbered"], bounds["lowest"], bounds["highest"]


# One range of events, concatenated by the database in sequence order (see hashchain.PayloadChunk).
# The rows come in sequence order from an index range scan in a subquery (one pass; three ORDER BY aggregates
# would sort the range three times, 1.5x the time). Should a plan ever reorder them, the links stop matching and the
# full recomputation takes over: the order can cost speed, never a wrong answer.
_CHUNK_SQL = """
SELECT count(*), convert_to(string_agg(canonical, E'\\n'), 'UTF8'), string_agg(hash, ''), string_agg(prev_hash, '')
FROM (SELECT canonical, hash, prev_hash FROM registry_auditevent WHERE sequence BETWEEN %s AND %s ORDER BY sequence) r
"""


def _verify_payloads_postgresql(total: int, expected: tuple[int, str], chunk_size: int = 20_000):
    raw = connection.connection  # taken here: Django's connection object is per thread, and this one holds the snapshot

    def chunks() -> Iterator[hashchain.PayloadChunk]:
        import psycopg  # PostgreSQL only; a binary cursor (Django's own are client-side) returns the bytes as is

        with psycopg.Cursor(raw) as cursor:
            for first in range(1, total + 1, chunk_size):
                cursor.execute(_CHUNK_SQL, [first, min(first + chunk_size - 1, total)], binary=True)
                count, payloads, hashes, prev_hashes = cursor.fetchone()
                yield hashchain.PayloadChunk(count, bytes(payloads or b""), hashes or "", prev_hashes or "")

    try:
        with transaction.atomic():  # a savepoint: a failed fast path leaves the snapshot usable for the full path
            return hashchain.verify_payload_chunks(prefetched(chunks()), expected_head=expected)
    except DatabaseError:
        return None


def prefetched(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Iterate ``items`` produced by a background thread, ``depth`` ahead: the database builds the next chunk while
    the caller hashes this one (psycopg releases the GIL while it waits for the server)."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    done = object()
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put(item)
            buffer.put(done)
        except Exception as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
            buffer.put(exc)

    worker = threading.Thread(target=produce, name="audit-verify-prefetch", daemon=True)
    worker.start()
    try:
        while (item := buffer.get()) is not done:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full buffer, then wait for it
            with contextlib.suppress(queue.Empty):
                buffer.get(timeout=0.05)
        worker.join()


_expected_generation: dict[str, dict[str, str]] = {}


def audit_columns_generated_from_payload() -> bool:
    """True when every hashed column of the audit table is still a stored column generated by the expression the
    model declares. A column whose expression was dropped (ALTER TABLE ... DROP EXPRESSION) can be edited freely, so
    then only the full recomputation proves anything. PostgreSQL only."""
    actual = _generation_expressions("registry_auditevent")
    expected = _expected_generation.get(connection.alias)
    if expected is None:
        try:
            expected = _expected_generation[connection.alias] = _reference_generation_expressions()
        except DatabaseError:  # e.g. a read-only standby, where no temporary table can be made: the slow way
            return False
    return all(actual.get(name) == expected.get(name) is not None for name in hashchain.HASHED_FIELDS)


def _generation_expressions(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.attname, pg_get_expr(d.adbin, d.adrelid)
            FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = %s::regclass AND a.attgenerated = 's' AND NOT a.attisdropped
            """,
            [table],
        )
        return dict(cursor.fetchall())


def _reference_generation_expressions() -> dict[str, str]:
    """The expressions as this server prints them, from a scratch temporary table built from the model's fields."""
    columns = ["canonical text"]
    for name in hashchain.HASHED_FIELDS:
        field = AuditEvent._meta.get_field(name)
        expression, params = field.generated_sql(connection)
        assert not params, "CanonicalValue writes its keys as literals"
        name_sql = connection.ops.quote_name(field.column)
        columns.append(f"{name_sql} {field.db_type(connection)} GENERATED ALWAYS AS ({expression}) STORED")
    scratch = "mlops_gov_audit_reference"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {scratch} ({', '.join(columns)})")
        try:
            return _generation_expressions(f"pg_temp.{scratch}")
        finally:
            cursor.execute(f"DROP TABLE pg_temp.{scratch}")


def audit_head() -> dict[str, Any]:
    head = AuditChainHead.objects.filter(pk=1).values("sequence", "hash").first()
    return head or {"sequence": 0, "hash": hashchain.GENESIS_HASH}


def using_postgresql() -> bool:
    return connection.vendor == "postgresql"
