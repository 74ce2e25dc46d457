"""The audit trail: one event per change, hash-chained, append-only on PostgreSQL, tampering detected."""

from __future__ import annotations

import csv
import io
import itertools
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from registry import audit, services
from registry.audit import postgres as audit_postgres
from registry.domain import hashchain
from registry.models import AuditEvent
from tests.registry.factories import events, make_version
from tests.registry.tampering import tamper as _tamper


@pytest.fixture
def chain(personas, model):
    """A few real events: model, two versions, cards, stage moves, a promotion."""
    version = make_version(personas, model)
    make_version(personas, model)
    promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="go")
    services.promotion_decide(request=promotion, actor=personas.approver, decision="approve", comment="=cmd|' /C calc")
    assert AuditEvent.objects.count() >= 10
    return AuditEvent.objects.order_by("sequence")


def _verify(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return exc.code, out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def _detach_columns():
    """What an attacker with DDL rights must do before editing a column: make the generated columns plain ones."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in hashchain.HASHED_FIELDS:
                cursor.execute(f"ALTER TABLE registry_auditevent ALTER COLUMN {name} DROP EXPRESSION")
        else:
            cursor.execute("CREATE TABLE audit_plain_copy AS SELECT * FROM registry_auditevent")
            cursor.execute("DROP TABLE registry_auditevent")
            cursor.execute("ALTER TABLE audit_plain_copy RENAME TO registry_auditevent")


def _insert_forged(fields: dict) -> None:
    canonical, digest = hashchain.seal(audit._hashable(fields))
    _tamper("INSERT INTO registry_auditevent (canonical, hash) VALUES (%s, %s)", [canonical, digest])


def test_intact_chain_verifies_and_prints_head(chain):
    code, output = _verify()
    head = audit.audit_head()
    assert code == 0
    assert f"head #{head['sequence']} {head['hash']}" in output
    assert head["sequence"] == chain.last().sequence and head["hash"] == chain.last().hash


def test_every_event_links_to_the_previous(chain):
    rows = list(chain)
    assert rows[0].prev_hash == hashchain.GENESIS_HASH
    assert [r.sequence for r in rows] == list(range(1, len(rows) + 1))
    for prev, cur in itertools.pairwise(rows):
        assert cur.prev_hash == prev.hash


def test_expected_events_recorded(chain):
    actions = [e.action for e in chain]
    for action in (
        "model.created",
        "version.created",
        "card.updated",
        "version.stage_changed",
        "promotion.requested",
        "promotion.approved",
        "promotion.applied",
    ):
        assert action in actions
    applied = events("promotion.applied")[0]
    assert applied.actor_name == "alice" and applied.model_name == "credit-scoring"


@pytest.mark.parametrize(
    "column,value",
    [
        ("actor_name", "mallory"),
        ("action", "model.viewed"),
        ("object_repr", "something else"),
        ("after", '{"stage": "none"}'),
    ],
)
@pytest.mark.audit_tampered
def test_edited_field_detected(chain, column, value):
    target = chain[3]
    _detach_columns()
    cast = "::jsonb" if column == "after" and connection.vendor == "postgresql" else ""
    sql = f"UPDATE registry_auditevent SET {column} = %s{cast} WHERE sequence = %s"  # noqa: S608 - test constants
    _tamper(sql, [value, target.sequence])
    code, output = _verify()
    assert code == 1
    assert f"event #{target.sequence}" in output and "edited" in output


@pytest.mark.audit_tampered
def test_edited_payload_detected(chain):
    target = chain[6]
    forged = target.canonical.replace('"actor_name":"', '"actor_name":"x', 1)
    _tamper("UPDATE registry_auditevent SET canonical = %s WHERE sequence = %s", [forged, target.sequence])
    code, output = _verify()
    assert code == 1 and f"event #{target.sequence}" in output and "edited" in output


@pytest.mark.audit_tampered
def test_payload_and_column_edited_together_detected(chain):
    """Rewriting both the column and the payload consistently still breaks the hash."""
    target = chain[6]
    _detach_columns()
    forged = target.canonical.replace(f'"actor_name":"{target.actor_name}"', '"actor_name":"mallory"', 1)
    assert forged != target.canonical
    _tamper(
        "UPDATE registry_auditevent SET canonical = %s, actor_name = 'mallory' WHERE sequence = %s",
        [forged, target.sequence],
    )
    code, output = _verify()
    assert code == 1 and f"event #{target.sequence}" in output


def test_payload_not_json_refused_by_the_database(chain):
    """The columns are computed from the payload, so a payload that is not JSON cannot even be stored."""
    target = chain[1]
    with pytest.raises(DatabaseError), transaction.atomic():
        _tamper("UPDATE registry_auditevent SET canonical = 'not json' WHERE sequence = %s", [target.sequence])
    assert _verify()[0] == 0


@pytest.mark.parametrize("column", ["actor_name", "sequence", "after", "occurred_at"])
def test_columns_cannot_be_updated_apart_from_the_payload(chain, column):
    with pytest.raises(DatabaseError), transaction.atomic():
        _tamper(f"UPDATE registry_auditevent SET {column} = NULL WHERE sequence = 2")  # noqa: S608 - test constants
    assert _verify()[0] == 0


@pytest.mark.audit_tampered
@pytest.mark.parametrize("mode", [(), ("--independent",)])
def test_columns_follow_the_payload(chain, mode):
    """Editing the payload moves the columns with it (and breaks the hash): they never disagree."""
    target = chain[4]
    forged = target.canonical.replace(f'"actor_name":"{target.actor_name}"', '"actor_name":"mallory"', 1)
    _tamper("UPDATE registry_auditevent SET canonical = %s WHERE sequence = %s", [forged, target.sequence])
    assert AuditEvent.objects.get(sequence=target.sequence).actor_name == "mallory"
    code, output = _verify(*mode)
    assert code == 1 and f"event #{target.sequence}" in output and "edited" in output


def test_stored_payload_is_what_was_hashed(chain):
    import hashlib

    for event in chain:
        assert hashlib.sha256(event.canonical.encode()).hexdigest() == event.hash
        assert json.loads(event.canonical)["actor_name"] == event.actor_name


@pytest.mark.audit_tampered
def test_edited_time_detected(chain):
    target = chain[2]
    _detach_columns()
    _tamper(
        "UPDATE registry_auditevent SET occurred_at = %s WHERE sequence = %s",
        ["2020-01-01 00:00:00+00:00", target.sequence],
    )
    code, output = _verify()
    assert code == 1 and f"event #{target.sequence}" in output


@pytest.mark.audit_tampered
@pytest.mark.parametrize("mode", [(), ("--independent",)])
def test_deleted_row_detected(chain, mode):
    target = chain[4]
    _tamper("DELETE FROM registry_auditevent WHERE sequence = %s", [target.sequence])
    code, output = _verify(*mode)
    assert code == 1
    assert f"event #{target.sequence + 1}" in output and "deleted" in output


@pytest.mark.audit_tampered
def test_deleted_tail_detected_against_head(chain):
    last = chain.last()
    _tamper("DELETE FROM registry_auditevent WHERE sequence = %s", [last.sequence])
    code, output = _verify()
    assert code == 1 and "tail deleted" in output and f"#{last.sequence}" in output


@pytest.mark.audit_tampered
def test_inserted_row_detected(chain):
    """An attacker who knows the algorithm appends a well-formed event: the recorded head exposes it."""
    last = chain.last()
    fields = {name: getattr(last, name) for name in hashchain.HASHED_FIELDS}
    fields.update(sequence=last.sequence + 1, prev_hash=last.hash, action="promotion.approved", actor_name="mallory")
    _insert_forged(fields)
    code, output = _verify()
    assert code == 1 and f"event #{last.sequence + 1}" in output and "inserted" in output


@pytest.mark.audit_tampered
def test_inserted_row_in_the_middle_detected(chain):
    """Shift the tail up by one and slip a forged event in: the chain links break at the forgery."""
    target = chain[5]
    n = chain.last().sequence
    _detach_columns()
    for seq in range(n, target.sequence - 1, -1):
        _tamper("UPDATE registry_auditevent SET sequence = sequence + 1 WHERE sequence = %s", [seq])
    forged = {name: getattr(chain[4], name) for name in hashchain.HASHED_FIELDS}
    forged.update(sequence=target.sequence, prev_hash=chain[4].hash, actor_name="mallory")
    forged["canonical"], forged["hash"] = hashchain.seal(audit._hashable(forged))
    values = [json.dumps(v) if k in ("before", "after") and v is not None else v for k, v in forged.items()]
    columns = ", ".join(forged)
    _tamper(f"INSERT INTO registry_auditevent ({columns}) VALUES ({', '.join(['%s'] * len(forged))})", values)  # noqa: S608
    code, output = _verify()
    assert code == 1 and f"event #{target.sequence + 1}" in output


@pytest.mark.audit_tampered
def test_swapped_rows_detected(chain):
    a, b = chain[3].sequence, chain[4].sequence
    _detach_columns()
    _tamper("UPDATE registry_auditevent SET sequence = -1 WHERE sequence = %s", [a])
    _tamper("UPDATE registry_auditevent SET sequence = %s WHERE sequence = %s", [a, b])
    _tamper("UPDATE registry_auditevent SET sequence = %s WHERE sequence = -1", [b])
    code, output = _verify()
    assert code == 1 and f"event #{a}" in output


@pytest.mark.audit_tampered
def test_verify_endpoint_reports_break(personas, api, chain):
    ok = api(personas.auditor).get("/api/v1/audit/verify/").json()
    assert ok["ok"] is True and ok["head_sequence"] == chain.last().sequence
    _detach_columns()
    _tamper("UPDATE registry_auditevent SET actor_name = 'x' WHERE sequence = 2")
    broken = api(personas.auditor).get("/api/v1/audit/verify/").json()
    assert broken["ok"] is False and broken["first_break"]["sequence"] == 2


@pytest.mark.audit_tampered
def test_verify_page_shows_break(personas, client, chain):
    client.force_login(personas.auditor)
    assert b"verify-ok" in client.get(reverse("registry:audit-verify")).content
    _tamper("DELETE FROM registry_auditevent WHERE sequence = 3")
    body = client.get(reverse("registry:audit-verify")).content.decode()
    assert "verify-broken" in body and "#4" in body


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE registry_auditevent SET canonical = canonical",
        "DELETE FROM registry_auditevent",
        "TRUNCATE registry_auditevent",
    ],
)
def test_postgresql_trigger_refuses_update_delete_truncate(chain, sql):
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL mlops_gov.allow_audit_truncate = 'off'")
        cursor.execute(sql)
    assert AuditEvent.objects.count() == count
    assert _verify()[0] == 0


def test_orm_update_and_delete_refused_on_postgresql(chain):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only; CI runs this on PostgreSQL")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(sequence=1).update(canonical="{}")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(sequence=1).delete()


def test_refused_attempts_roll_back_with_their_change(personas, model):
    before = AuditEvent.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - any refusal
        services.model_update(model=model, actor=personas.outsider, description="hijack")
    assert AuditEvent.objects.count() == before


def test_governance_event_sent_after_commit(personas, model, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, event, **kwargs):
        received.append(event.action)

    audit.governance_event.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            make_version(personas, model)
    finally:
        audit.governance_event.disconnect(receiver)
    assert "version.created" in received and "version.stage_changed" in received


def test_api_list_filters(personas, api, chain):
    client = api(personas.auditor)
    body = client.get("/api/v1/audit/", {"action": "promotion.approved"}).json()
    assert [e["action"] for e in body["results"]] == ["promotion.approved"]
    body = client.get("/api/v1/audit/", {"actor": "alice"}).json()
    assert body["count"] >= 2 and all(e["actor_name"] == "alice" for e in body["results"])
    body = client.get("/api/v1/audit/", {"model": "credit-scoring"}).json()
    assert body["count"] == AuditEvent.objects.filter(model_name="credit-scoring").count()
    body = client.get("/api/v1/audit/", {"since": "2000-01-01T00:00:00Z", "until": "2001-01-01T00:00:00Z"}).json()
    assert body["count"] == 0
    assert client.get("/api/v1/audit/", {"since": "not-a-date"}).status_code == 400
    assert client.get("/api/v1/audit/head/").json()["hash"] == chain.last().hash
    assert client.get("/api/v1/audit/not-a-number/").status_code == 404


def test_audit_api_is_read_only(personas, api, chain):
    for user in (personas.auditor, personas.admin, personas.scientist):
        client = api(user)
        assert client.post("/api/v1/audit/", {}).status_code in (403, 405)
        assert client.delete(f"/api/v1/audit/{chain.first().sequence}/").status_code in (403, 405)
    assert AuditEvent.objects.count() == chain.count()


def test_csv_export_is_formula_safe(personas, client, chain, django_user_model):
    attacker = django_user_model.objects.create(username="@SUM(1+1)")
    audit.audit_record(action="test.note", object_type="note", object_repr='=HYPERLINK("http://x")', actor=attacker)
    audit.audit_record(action="test.note", object_type="+cmd", object_repr="-2+3", actor=personas.scientist)
    client.force_login(personas.auditor)
    response = client.get(reverse("registry:audit-export"))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    for dangerous in ('=HYPERLINK("http://x")', "@SUM(1+1)", "+cmd", "-2+3"):
        assert "'" + dangerous in cells
    assert len(rows) - 1 == AuditEvent.objects.count()  # header + every event
    assert not events("audit.exported")  # a read is not a state change: no event


def test_csv_export_needs_permission(personas, client, chain):
    client.force_login(personas.scientist)
    assert client.get(reverse("registry:audit-export")).status_code == 403


def test_audit_page_filters(personas, client, chain):
    client.force_login(personas.auditor)
    body = client.get(reverse("registry:audit-list"), {"actor": "alice", "action": "promotion."}).content.decode()
    assert "promotion.approved" in body and "model.created" not in body


# --- the pure domain module ------------------------------------------------------------------------------------------


def _pure_chain(n: int):
    prev = hashchain.GENESIS_HASH
    out = []
    for i in range(1, n + 1):
        event: dict[str, Any] = {name: "" for name in hashchain.HASHED_FIELDS}
        event.update(
            sequence=i,
            occurred_at=f"2026-01-01T00:00:{i:02d}.000000Z",
            actor_id=None,
            model_id=None,
            before=None,
            after={"i": i, "name": "ünïcode"},
            prev_hash=prev,
        )
        event["hash"] = hashchain.compute_hash(event)
        prev = event["hash"]
        out.append(event)
    return out


def test_pure_verify_intact_and_broken():
    chain = _pure_chain(20)
    assert hashchain.verify(chain, expected_head=(20, chain[-1]["hash"])).ok
    tampered = [dict(e) for e in chain]
    tampered[7]["after"] = {"i": 999, "name": "ünïcode"}
    result = hashchain.verify(tampered)
    assert not result.ok and result.first_break.sequence == 8 and "edited" in result.first_break.reason
    reordered = [*chain[:5], chain[6], chain[5], *chain[7:]]
    assert hashchain.verify(reordered).first_break.sequence == 7


def test_canonical_bytes_independent_of_key_order():
    event = _pure_chain(1)[0]
    shuffled = dict(reversed(list(event.items())))
    assert hashchain.canonical_bytes(event) == hashchain.canonical_bytes(shuffled)


def test_to_json_safe_round_trips():
    value = hashchain.to_json_safe({"a": (1, 2), "b": float("nan"), "c": {3}, 4: object})
    assert json.loads(json.dumps(value)) == value and value["b"] is None and "4" in value


# --- the fast path: payloads hashed in chunks, columns generated from the payload ----------------------------------


def test_fast_path_needs_columns_generated_from_the_payload(chain):
    if connection.vendor != "postgresql":
        pytest.skip("the chunked fast path runs on PostgreSQL; SQLite always recomputes from the columns")
    assert audit.audit_columns_generated_from_payload()
    head = audit.audit_head()
    expected = (head["sequence"], head["hash"])
    independent = audit_postgres.verify_payloads(chain.count(), expected, chunk_size=5)
    in_database = audit_postgres.verify_in_database(chain.count(), expected)
    for fast in (independent, in_database):
        assert fast is not None and fast.ok and fast.checked == chain.count() and fast.head_hash == head["hash"]
    assert _verify("--independent")[0] == 0
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE registry_auditevent ALTER COLUMN model_name DROP EXPRESSION")
    assert not audit.audit_columns_generated_from_payload()
    assert _verify()[0] == 0  # the data is intact: the full recomputation says so


def test_fast_path_result_matches_the_full_recomputation(chain):
    head = audit.audit_head()
    expected = (head["sequence"], head["hash"])
    full = hashchain.verify(audit._iter_stored_events(), expected_head=expected)
    assert full.ok and audit.audit_verify() == full == audit.audit_verify(independent=True)


@pytest.mark.audit_tampered
def test_database_side_check_doubts_an_edited_hash_or_link(chain):
    if connection.vendor != "postgresql":
        pytest.skip("the database-side check runs on PostgreSQL")
    head = audit.audit_head()
    expected = (head["sequence"], head["hash"])
    _tamper("UPDATE registry_auditevent SET hash = %s WHERE sequence = 3", ["f" * 64])
    assert audit_postgres.verify_in_database(chain.count(), expected) is None
    code, output = _verify()
    assert code == 1 and "event #3" in output


@pytest.mark.audit_tampered
def test_event_without_sequence_detected(chain):
    last = chain.last()
    fields = {name: getattr(last, name) for name in hashchain.HASHED_FIELDS}
    fields.update(prev_hash=last.hash)
    canonical, digest = hashchain.seal(audit._hashable(fields))
    payload = json.loads(canonical)
    del payload["sequence"]
    _tamper("INSERT INTO registry_auditevent (canonical, hash) VALUES (%s, %s)", [json.dumps(payload), digest[::-1]])
    code, output = _verify()
    assert code == 1 and "no sequence" in output


@pytest.mark.audit_tampered
def test_event_with_sequence_zero_detected(chain):
    fields = {name: getattr(chain.first(), name) for name in hashchain.HASHED_FIELDS}
    fields.update(sequence=0, actor_name="mallory")
    _insert_forged(fields)
    code, output = _verify()
    assert code == 1 and "event #0" in output and "out of order" in output


def _chunks(chain, size):
    for start in range(0, len(chain), size):
        part = chain[start : start + size]
        yield hashchain.PayloadChunk(
            count=len(part),
            payloads=b"\n".join(hashchain.canonical_bytes(e) for e in part),
            hashes="".join(e["hash"] for e in part),
            prev_hashes="".join(e["prev_hash"] for e in part),
        )


@pytest.mark.parametrize("size", [1, 3, 7, 20, 50])
def test_pure_chunked_verify_intact(size):
    chain = _pure_chain(20)
    result = hashchain.verify_payload_chunks(_chunks(chain, size), expected_head=(20, chain[-1]["hash"]))
    assert result == hashchain.verify(chain, expected_head=(20, chain[-1]["hash"]))
    assert result.ok and result.checked == 20 and result.head_hash == chain[-1]["hash"]


def test_pure_chunked_verify_doubts_every_kind_of_break():
    chain = _pure_chain(20)
    head = (20, chain[-1]["hash"])

    def doubt(events, size=7, expected=head):
        return hashchain.verify_payload_chunks(_chunks(events, size), expected_head=expected)

    edited = [dict(e) for e in chain]
    edited[9]["after"] = {"i": 999}
    assert doubt(edited) is None
    relinked = [dict(e) for e in chain]
    relinked[12]["prev_hash"] = "f" * 64
    relinked[12]["hash"] = hashchain.compute_hash(relinked[12])  # a self-consistent forgery: the link still breaks
    assert doubt(relinked) is None
    assert doubt([*chain[:5], chain[6], chain[5], *chain[7:]]) is None
    assert doubt(chain[:19]).first_break.reason.endswith("(tail deleted)")
    assert not doubt(chain, expected=(20, "0" * 64)).ok
    newline = next(_chunks(chain[:3], 3))
    split = hashchain.PayloadChunk(3, newline.payloads.replace(b",", b",\n", 1), newline.hashes, newline.prev_hashes)
    assert hashchain.verify_payload_chunks([split]) is None


@pytest.mark.audit_tampered
@pytest.mark.django_db(transaction=True)
def test_database_side_check_on_a_twin_connection(builtin_data, personas, model, monkeypatch):
    """Outside any caller's transaction the payload scan runs on a second connection sharing the snapshot."""
    if connection.vendor != "postgresql":
        pytest.skip("the database-side check runs on PostgreSQL")
    make_version(personas, model)
    twins = []
    real = audit_postgres._on_snapshot_twin

    def recording_twin(sql: str) -> Any:
        twins.append(real(sql))
        return twins[-1]

    monkeypatch.setattr(audit_postgres, "_on_snapshot_twin", recording_twin)
    assert audit.audit_verify().ok
    _tamper("UPDATE registry_auditevent SET hash = %s WHERE sequence = 2", ["e" * 64])
    result = audit.audit_verify()
    assert len(twins) == 2 and all(twin is not None for twin in twins)
    assert not result.ok and result.first_break.sequence == 2


def test_no_temporary_table_means_the_slow_way_not_an_error(chain, monkeypatch):
    """On a read-only standby the schema reference cannot be built: verification still answers, the slow way."""
    if connection.vendor != "postgresql":
        pytest.skip("the schema reference exists on PostgreSQL only")

    def refuse():
        raise DatabaseError("cannot execute CREATE TABLE in a read-only transaction")

    monkeypatch.setattr(audit_postgres, "_expected_generation", {})
    monkeypatch.setattr(audit_postgres, "_reference_generation_expressions", refuse)
    assert not audit.audit_columns_generated_from_payload()
    assert _verify()[0] == 0


@pytest.mark.audit_tampered
def test_suite_wide_chain_check_names_a_break(chain, request):
    """The per-test check the whole suite runs (tests/fixtures/audit_chain.py) fails a test that breaks the chain."""
    from tests.fixtures.audit_chain import _chain_failure

    assert _chain_failure(request.config) is None
    target = chain[2]
    forged = target.canonical.replace('"actor_name":"', '"actor_name":"x', 1)
    _tamper("UPDATE registry_auditevent SET canonical = %s WHERE sequence = %s", [forged, target.sequence])
    failure = _chain_failure(request.config)
    assert failure is not None
    assert f"event {target.sequence}" in failure and connection.vendor in failure
