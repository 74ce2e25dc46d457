"""Shared fixtures: personas for every role, API clients, a real Celery worker, a real browser."""

from __future__ import annotations

from django.db.backends.signals import connection_created


def _allow_test_flush(sender, connection, **kwargs):
    # The audit table refuses TRUNCATE on PostgreSQL (DELETE on SQLite) unless the session opts in; the test runner's
    # flush does (see registry.audit.sqlite).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET mlops_gov.allow_audit_truncate = 'on'")
    elif connection.vendor == "sqlite":
        connection.allow_audit_truncate = True


connection_created.connect(_allow_test_flush, dispatch_uid="tests.allow_audit_truncate")

pytest_plugins = [
    "tests.fixtures.personas",
    "tests.fixtures.worker",
    "tests.fixtures.browser",
    "tests.fixtures.audit_chain",
    "tests.fixtures.i18n",
]
