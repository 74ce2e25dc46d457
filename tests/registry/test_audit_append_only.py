"""The audit table is append-only on both databases (issue #13.10): UPDATE and DELETE of an event are refused by the
database itself, on SQLite by triggers as on PostgreSQL, whichever route sends them (raw SQL, the ORM)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from registry import audit
from registry.models import AuditEvent
from tests.registry.factories import make_version


@pytest.fixture
def hatch_closed() -> Iterator[None]:
    """The test runner's flush may empty the table; an ordinary session may not. Close the hatch for this test."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET mlops_gov.allow_audit_truncate = 'off'")
        else:
            setattr(connection, "allow_audit_truncate", False)  # noqa: B010  # read by the SQLite trigger hook
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET mlops_gov.allow_audit_truncate = 'on'")
        else:
            setattr(connection, "allow_audit_truncate", True)  # noqa: B010


@pytest.fixture
def chain(personas, model):
    make_version(personas, model)
    return list(AuditEvent.objects.order_by("sequence").values_list("sequence", "canonical"))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE registry_auditevent SET canonical = canonical",
        "UPDATE registry_auditevent SET hash = 'f' WHERE sequence = 1",
        "DELETE FROM registry_auditevent",
        "DELETE FROM registry_auditevent WHERE sequence = (SELECT max(sequence) FROM registry_auditevent)",
    ],
)
def test_raw_update_and_delete_refused(chain, hatch_closed, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert list(AuditEvent.objects.order_by("sequence").values_list("sequence", "canonical")) == chain
    assert audit.audit_verify().ok


def test_orm_update_and_delete_refused(chain, hatch_closed):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(sequence=1).update(canonical="{}")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(sequence=len(chain)).delete()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == len(chain)
    assert audit.audit_verify().ok


def test_appends_still_work(chain, hatch_closed, personas, model):
    make_version(personas, model)
    assert AuditEvent.objects.count() > len(chain)
    assert audit.audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_triggers_survive_migrating_back_and_forth():
    """The SQLite triggers come back with their migration; on PostgreSQL the 0002 trigger stays."""
    call_command("migrate", "registry", "0005", verbosity=0)
    try:
        call_command("migrate", "registry", verbosity=0)
        names = _trigger_names()
        expected = (
            {"registry_auditevent_no_update", "registry_auditevent_no_delete"}
            if connection.vendor == "sqlite"
            else {"registry_auditevent_no_update_delete", "registry_auditevent_no_truncate"}
        )
        assert expected <= names
    finally:
        call_command("migrate", verbosity=0)


def _trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'registry_auditevent'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'registry_auditevent'::regclass")
        return {name for (name,) in cursor.fetchall()}
