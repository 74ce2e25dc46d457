"""What an attacker with DDL rights does to the audit table: switch the append-only triggers off, edit, switch them
back on (PostgreSQL: DISABLE TRIGGER; SQLite: drop and re-create them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from registry.audit import sqlite as audit_sqlite


def tamper(sql: str, params: Sequence[Any] = ()) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE registry_auditevent DISABLE TRIGGER USER")
        else:
            for statement in audit_sqlite.DROP_SQL:
                cursor.execute(statement)
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE registry_auditevent ENABLE TRIGGER USER")
        else:
            for statement in audit_sqlite.TRIGGERS_SQL:
                cursor.execute(statement)
