"""PostgreSQL fast paths of audit verification: the database hashes the payloads and checks the links (on a twin
connection sharing the snapshot), or streams the payloads in chunks for hashing here. Each returns None when
something does not check out, and the caller then walks the chain event by event to name the first break.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import GeneratedField

from mlops_gov.prefetch import prefetched
from registry.domain import hashchain
from registry.models import AuditEvent

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


def verify_in_database(total: int, expected: tuple[int, str]) -> hashchain.VerifyResult | None:
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


# One range of events, concatenated by the database in sequence order (see hashchain.PayloadChunk).
# The rows come in sequence order from an index range scan in a subquery (one pass; three ORDER BY aggregates
# would sort the range three times, 1.5x the time). Should a plan ever reorder them, the links stop matching and the
# full recomputation takes over: the order can cost speed, never a wrong answer.
_CHUNK_SQL = """
SELECT count(*), convert_to(string_agg(canonical, E'\\n'), 'UTF8'), string_agg(hash, ''), string_agg(prev_hash, '')
FROM (SELECT canonical, hash, prev_hash FROM registry_auditevent WHERE sequence BETWEEN %s AND %s ORDER BY sequence) r
"""


def verify_payloads(total: int, expected: tuple[int, str], chunk_size: int = 20_000) -> hashchain.VerifyResult | None:
    raw = connection.connection  # taken here: Django's connection object is per thread, and this one holds the snapshot

    def chunks() -> Iterator[hashchain.PayloadChunk]:
        import psycopg  # PostgreSQL only; a binary cursor (Django's own are client-side) returns the bytes as is

        with psycopg.Cursor(raw) as cursor:
            for first in range(1, total + 1, chunk_size):
                cursor.execute(_CHUNK_SQL, [first, min(first + chunk_size - 1, total)], binary=True)
                count, payloads, hashes, prev_hashes = cursor.fetchone() or (0, None, None, None)
                yield hashchain.PayloadChunk(count, bytes(payloads or b""), hashes or "", prev_hashes or "")

    try:
        with transaction.atomic():  # a savepoint: a failed fast path leaves the snapshot usable for the full path
            return hashchain.verify_payload_chunks(prefetched(chunks()), expected_head=expected)
    except DatabaseError:
        return None


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
        assert isinstance(field, GeneratedField) and field.column, f"{name} is a generated column"
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
