"""Database expressions for the audit trail.

``CanonicalValue`` makes every descriptive column of an audit event a *stored generated column* computed by the
database from the hashed payload (``canonical``). A column therefore cannot say anything its payload does not:
PostgreSQL and SQLite refuse an UPDATE of a generated column, and rewriting the payload breaks its hash. That is what
lets verification hash the payloads alone (no per-row comparison of columns against payloads); see
``registry.audit.verify.audit_verify`` for the check that the columns are still generated this way.
"""

from __future__ import annotations

from django.db import NotSupportedError
from django.db.models import F, Func

_KINDS = ("text", "bigint", "json", "timestamp")


class CanonicalValue(Func):
    """The value under ``key`` in the row's canonical JSON payload, as ``kind`` (text, bigint, json or timestamp)."""

    def __init__(self, key: str, kind: str, **extra) -> None:
        if not key.isidentifier() or kind not in _KINDS:  # both end up as SQL literals: constants from code only
            raise ValueError(f"invalid canonical key {key!r} or kind {kind!r}")
        self.key, self.kind = key, kind
        super().__init__(F("canonical"), **extra)

    def as_sql(self, compiler, connection, **extra):  # type: ignore[override]  # Func's template keywords unused
        raise NotSupportedError(f"audit events need PostgreSQL or SQLite, not {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra):
        source, params = compiler.compile(self.source_expressions[0])
        payload = f"({source})::jsonb"
        text = f"({payload} ->> '{self.key}')"
        if self.kind == "json":
            return f"({payload} -> '{self.key}')", params
        if self.kind == "bigint":
            return f"{text}::bigint", params
        if self.kind == "timestamp":
            # Generated columns need immutable expressions; text::timestamptz is only stable (it reads DateStyle and
            # TimeZone); make_timestamp and timezone("UTC", ...) are immutable. Payload: 2026-01-31T12:00:00.123456Z
            parts = [f"substr({text}, {start}, {length})::int" for start, length in ((1, 4), (6, 2), (9, 2), (12, 2))]
            parts += [f"substr({text}, 15, 2)::int", f"substr({text}, 18, 9)::float8"]
            return f"timezone('UTC', make_timestamp({', '.join(parts)}))", params * 6
        return text, params

    def as_sqlite(self, compiler, connection, **extra):
        source, params = compiler.compile(self.source_expressions[0])
        if self.kind == "json":
            return f"({source} -> '$.{self.key}')", params  # always JSON text ('null' for null), as JSONField reads
        value = f"json_extract({source}, '$.{self.key}')"
        if self.kind == "timestamp":
            return f"replace(substr({value}, 1, 26), 'T', ' ')", params  # Django's SQLite datetime text, in UTC
        return value, params
