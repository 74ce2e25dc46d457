"""The embedded default (SQLite) is append-only too: triggers (migration 0006) refuse UPDATE and DELETE of audit
events, as the PostgreSQL trigger does.

SQLite has no TRUNCATE and no session settings. The test runner's flush empties tables with ``DELETE FROM``, so the
DELETE trigger lets a connection through only when ``mlops_gov_allow_audit_truncate()`` returns 1: the function this
module registers on every SQLite connection returns the connection's ``allow_audit_truncate`` attribute (False
unless set, the counterpart of PostgreSQL's ``SET mlops_gov.allow_audit_truncate = 'on'``). A connection without the
function (the sqlite3 shell) is refused too: the trigger fails on the unknown function.

Note for later migrations: when Django alters the audit table on SQLite it rebuilds it (copy, drop, rename), which
drops its triggers. A migration that alters ``registry_auditevent`` must create them again (``TRIGGERS_SQL``).
"""

from __future__ import annotations

from typing import Any

from django.db.backends.signals import connection_created

FLUSH_FUNCTION = "mlops_gov_allow_audit_truncate"

# Applied by migration 0006: never change these statements, add new ones.
TRIGGERS_SQL = (
    """
    CREATE TRIGGER IF NOT EXISTS registry_auditevent_no_update BEFORE UPDATE ON registry_auditevent
    BEGIN SELECT RAISE(ABORT, 'registry_auditevent is append-only: UPDATE is not allowed'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS registry_auditevent_no_delete BEFORE DELETE ON registry_auditevent
    WHEN {FLUSH_FUNCTION}() IS NOT 1
    BEGIN SELECT RAISE(ABORT, 'registry_auditevent is append-only: DELETE is not allowed'); END
    """,
)
DROP_SQL = (
    "DROP TRIGGER IF EXISTS registry_auditevent_no_update",
    "DROP TRIGGER IF EXISTS registry_auditevent_no_delete",
)


def _register_flush_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        FLUSH_FUNCTION, 0, lambda: int(bool(getattr(connection, "allow_audit_truncate", False)))
    )


def connect_signals() -> None:
    connection_created.connect(_register_flush_function, dispatch_uid="registry.audit.sqlite_flush_function")
