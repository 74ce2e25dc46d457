"""Migration 0004: events stored before payloads were kept get the payload their columns describe, so a chain
written by an older release still verifies once its columns become generated from the payload."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from registry import audit
from registry.domain import hashchain

BEFORE = [("registry", "0003_audit_event_canonical_payload")]
AFTER = [("registry", "0005_audit_links_covering_index")]


@pytest.mark.django_db(transaction=True)
def test_legacy_events_get_their_payload_and_verify():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_state = executor.loader.project_state(BEFORE).apps
    LegacyEvent = old_state.get_model("registry", "AuditEvent")
    Head = old_state.get_model("registry", "AuditChainHead")
    prev = hashchain.GENESIS_HASH
    at = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
    for sequence in (1, 2, 3):
        fields: dict[str, Any] = {name: "" for name in hashchain.HASHED_FIELDS}
        fields.update(
            sequence=sequence,
            occurred_at=at + dt.timedelta(seconds=sequence),
            actor_id=None,
            model_id=7,
            before=None,
            after={"stage": "staging", "note": 'ünïcode "quoted"\n'},
            action="version.stage_changed",
            prev_hash=prev,
        )
        hashed = dict(fields, occurred_at=fields["occurred_at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        digest = hashchain.compute_hash(hashed)
        LegacyEvent.objects.create(canonical="", hash=digest, **fields)  # as 0002 wrote them: no payload kept
        prev = digest
    Head.objects.update_or_create(pk=1, defaults={"sequence": 3, "hash": prev})

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    try:
        from registry.models import AuditEvent

        events = list(AuditEvent.objects.order_by("sequence"))
        assert [e.sequence for e in events] == [1, 2, 3]
        assert events[1].occurred_at == at + dt.timedelta(seconds=2)
        assert events[2].after == {"stage": "staging", "note": 'ünïcode "quoted"\n'} and events[0].model_id == 7
        result = audit.audit_verify()
        assert result.ok and result.head_hash == prev and result.checked == 3
    finally:
        call_command("migrate", verbosity=0)  # leave the schema at the latest state for the tests that follow
