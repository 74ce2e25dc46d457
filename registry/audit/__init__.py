"""The audit trail: append hash-chained events (``record``), verify the chain (``verify``, with PostgreSQL fast paths
in ``postgres``). Callers import from here."""

from registry.audit.postgres import audit_columns_generated_from_payload
from registry.audit.record import _hashable, _iso, audit_head, audit_record
from registry.audit.verify import _iter_stored_events, audit_verify, using_postgresql
from registry.signals import governance_event

__all__ = (
    "_hashable",
    "_iso",
    "_iter_stored_events",
    "audit_columns_generated_from_payload",
    "audit_head",
    "audit_record",
    "audit_verify",
    "governance_event",
    "using_postgresql",
)
