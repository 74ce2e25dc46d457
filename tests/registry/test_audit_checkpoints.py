"""Signed checkpoints (issue #14): the attacks a consistent chain hides are caught when the chain is held to a
checkpoint taken before them; forged checkpoints are refused; the offline verifier agrees with verify_audit."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from registry.audit import checkpoints
from registry.domain import checkpoint as cp
from registry.domain import hashchain
from registry.models import AuditCheckpoint, AuditEvent, CheckpointPublication, PublicationStatus
from tests.registry.factories import make_version
from tests.registry.tampering import tamper as _tamper

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def keys(tmp_path, settings):
    """A signing key of this test's own, a publication directory, no e-mail."""
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "signing.pem"
    settings.AUDIT_SIGNING_KEY_GENERATE = True
    out = tmp_path / "published"
    out.mkdir()
    settings.AUDIT_CHECKPOINT = {**settings.AUDIT_CHECKPOINT, "DIRECTORY": str(out), "EMAILS": [], "WEBHOOKS": []}
    return tmp_path


@pytest.fixture
def chain(personas, model):
    make_version(personas, model)
    make_version(personas, model)
    return AuditEvent.objects.order_by("sequence")


def _run(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def _set_head(sequence: int, digest: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_auditchainhead SET sequence = %s, hash = %s WHERE id = 1", [sequence, digest])


def truncate_tail(count: int = 2) -> None:
    """Delete the last events and set the head row back to the new last event: the chain stays consistent."""
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    assert last is not None
    _tamper("DELETE FROM registry_auditevent WHERE sequence > %s", [last - count])
    kept = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    assert kept is not None
    _set_head(*kept)


def rewrite_history(at: int = 3) -> None:
    """Edit event ``at`` and recompute every later hash and link, then the head row: consistent again."""
    rows = list(AuditEvent.objects.order_by("sequence").values_list("sequence", "canonical"))
    prev_hash = AuditEvent.objects.get(sequence=at - 1).hash
    for sequence, canonical in rows[at - 1 :]:
        payload = json.loads(canonical)
        if sequence == at:
            payload["actor_name"] = "mallory"
        payload["prev_hash"] = prev_hash
        new_canonical, digest = hashchain.seal(payload)
        _tamper(
            "UPDATE registry_auditevent SET canonical = %s, hash = %s WHERE sequence = %s",
            [new_canonical, digest, sequence],
        )
        prev_hash = digest
    _set_head(rows[-1][0], prev_hash)


def _checkpoint_file(tmp_path: Path) -> Path:
    path = tmp_path / "cp.json"
    code, output = _run("audit_checkpoint", "--out", str(path))
    assert code == 0, output
    return path


@pytest.mark.parametrize("attack", [truncate_tail, rewrite_history], ids=["truncated-tail", "rewritten-history"])
def test_consistent_tampering_passes_plain_verify_but_not_anchored(chain, keys, attack):
    cp_file = _checkpoint_file(keys)
    taken = cp.parse(cp_file.read_text())
    assert _run("verify_audit", "--checkpoint", str(cp_file))[0] == 0
    attack()

    code, output = _run("verify_audit")
    assert code == 0 and "intact" in output  # the chain is consistent in itself: plain verification cannot tell

    code, output = _run("verify_audit", "--expect-head", f"{taken.sequence}:{taken.head_hash}")
    assert code == 1 and output.count("\n") == 1 and f"BROKEN at event #{taken.sequence}" in output
    code, output = _run("verify_audit", "--checkpoint", str(cp_file))
    assert code == 1 and output.count("\n") == 1 and "BROKEN" in output
    reason = "deleted from the tail" if attack is truncate_tail else "rewritten"
    assert reason in output


def test_anchored_verification_holds_an_intact_chain(chain, keys):
    cp_file = _checkpoint_file(keys)
    make_version_events = AuditEvent.objects.count()
    taken = cp.parse(cp_file.read_text())
    code, output = _run(
        "verify_audit", "--checkpoint", str(cp_file), "--expect-head", f"{taken.sequence}:{taken.head_hash}"
    )
    assert code == 0 and "holds 1 anchored head" in output and make_version_events == taken.sequence


def test_forged_checkpoint_is_refused(chain, keys):
    head = AuditEvent.objects.order_by("-sequence").first()
    forger = cp.load_private_key(cp.generate_private_key_pem())
    forged = cp.sign(
        forger,
        sequence=head.sequence,
        head_hash=head.hash,
        issued_at="2026-01-01T00:00:00.000000Z",
        previous=cp.GENESIS,
    )
    path = keys / "forged.json"
    path.write_text(forged.to_json())
    code, output = _run("verify_audit", "--checkpoint", str(path))
    assert code == 1 and "not a trusted key" in output and output.count("\n") == 1

    genuine = cp.parse(_checkpoint_file(keys).read_text())
    altered = cp.Checkpoint(**{**genuine.document(), "sequence": genuine.sequence - 1})
    path.write_text(altered.to_json())
    code, output = _run("verify_audit", "--checkpoint", str(path))
    assert code == 1 and "signature does not verify" in output


@pytest.mark.parametrize("value", ["12", "x:abc", "3:" + "g" * 64, "-1:" + "0" * 64])
def test_bad_expect_head_is_one_line(chain, value):
    code, output = _run("verify_audit", f"--expect-head={value}")
    assert code == 1 and output.count("\n") == 1 and "SEQ:HASH" in output


def test_unreadable_checkpoint_file_is_one_line(chain, keys):
    path = keys / "junk.json"
    path.write_text("{not json")
    code, output = _run("verify_audit", "--checkpoint", str(path))
    assert code == 1 and output.count("\n") == 1 and "not a checkpoint" in output
    code, output = _run("verify_audit", "--checkpoint", str(keys / "missing.json"))
    assert code == 1 and output.count("\n") == 1


# --- the offline verifier ---------------------------------------------------------------------------------------------


def _export(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    assert _run("audit_export", str(path))[0] == 0
    return path


def _offline(*args: str) -> tuple[int, str]:
    """The verifier as an auditor runs it: a fresh interpreter where importing Django fails."""
    blocker = "import sys, runpy; sys.modules['django'] = None; sys.argv[0] = 'hashchain'; "
    blocker += "runpy.run_module('registry.domain.hashchain', run_name='__main__')"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    done = subprocess.run(
        [sys.executable, "-c", blocker, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    return done.returncode, done.stdout + done.stderr


def _public_key_file(tmp_path: Path) -> Path:
    path = tmp_path / "public.pem"
    path.write_text(checkpoints.public_key_info()["pem"])
    return path


def _tamper_edit_payload() -> None:
    target = AuditEvent.objects.get(sequence=3)
    payload = json.loads(target.canonical)
    payload["actor_name"] = "mallory"
    _tamper("UPDATE registry_auditevent SET canonical = %s WHERE sequence = 3", [hashchain.seal(payload)[0]])


def _tamper_delete_middle() -> None:
    _tamper("DELETE FROM registry_auditevent WHERE sequence = 4")


@pytest.mark.parametrize(
    "attack",
    [None, _tamper_edit_payload, _tamper_delete_middle, truncate_tail, rewrite_history],
    ids=["intact", "edited", "deleted", "truncated-tail", "rewritten-history"],
)
@pytest.mark.audit_tampered
def test_offline_verifier_agrees_with_verify_audit(chain, keys, attack):
    cp_file = _checkpoint_file(keys)
    key_file = _public_key_file(keys)
    if attack is not None:
        attack()
    export = _export(keys, "export.jsonl")
    for anchored in (False, True):
        extra = ["--checkpoint", str(cp_file)] if anchored else []
        server_code, server = _run("verify_audit", *extra)
        offline_code, offline = _offline("verify", str(export), *extra, "--public-key", str(key_file))
        assert offline_code == server_code, (server, offline)
        if server_code:  # the same first broken event, for the same reason
            assert server.strip().split("BROKEN at ", 1)[1] == offline.strip().split("BROKEN at ", 1)[1]
        else:
            assert "intact" in offline


def test_offline_verifier_refuses_a_checkpoint_signed_by_another_key(chain, keys):
    cp_file = _checkpoint_file(keys)
    export = _export(keys, "export.jsonl")
    other = keys / "other.pem"
    other.write_text(cp.public_key_pem(cp.public_key_b64(cp.load_private_key(cp.generate_private_key_pem()))))
    code, output = _offline("verify", str(export), "--checkpoint", str(cp_file), "--public-key", str(other))
    assert code == 2 and "not a trusted key" in output and output.count("\n") == 1
    code, output = _offline("verify", str(export), "--checkpoint", str(cp_file))
    assert code == 2 and "--public-key" in output


# --- key rotation -----------------------------------------------------------------------------------------------------


def test_rotation_chain_is_followed_forward_only(chain, keys, settings, personas, model):
    old_public = _public_key_file(keys)
    first = _checkpoint_file(keys)
    new_key = keys / "new.pem"
    assert _run("audit_checkpoint", "--generate-key", str(new_key))[0] == 0
    rotation = keys / "rotation.json"
    code, output = _run("audit_checkpoint", "--rotate-to", str(new_key), "--out", str(rotation))
    assert code == 0 and "key rotation recorded" in output
    settings.AUDIT_SIGNING_KEY_FILE = new_key
    settings.AUDIT_SIGNING_KEY_GENERATE = False
    make_version(personas, model)
    later = keys / "later.json"
    assert _run("audit_checkpoint", "--out", str(later))[0] == 0
    assert cp.parse(later.read_text()).previous == cp.parse(rotation.read_text()).digest()

    # An auditor who holds the old key trusts the new one through the rotation checkpoint, and only through it.
    ok = _run(
        "verify_audit", "--public-key", str(old_public), "--checkpoint", str(rotation), "--checkpoint", str(later)
    )
    assert ok[0] == 0, ok[1]
    refused = _run("verify_audit", "--public-key", str(old_public), "--checkpoint", str(later))
    assert refused[0] == 1 and "not a trusted key" in refused[1]
    # The server's default trust (its current key) reaches back to the old key through its stored rotation.
    assert _run("verify_audit", "--checkpoint", str(first))[0] == 0
    # A key that appears without a rotation is refused for signing, unless a new key chain is declared.
    stranger = keys / "stranger.pem"
    assert _run("audit_checkpoint", "--generate-key", str(stranger))[0] == 0
    settings.AUDIT_SIGNING_KEY_FILE = stranger
    with pytest.raises(Exception, match="rotate with --rotate-to"):
        call_command("audit_checkpoint", stdout=io.StringIO())


# --- writing and publishing ------------------------------------------------------------------------------------------


def test_checkpoint_is_not_an_audit_event_and_the_schedule_signs_only_a_moved_head(chain, keys, personas, model):
    events = AuditEvent.objects.count()
    first = checkpoints.checkpoint_tick()
    assert first["written"] == 1 and AuditEvent.objects.count() == events  # signing moved nothing
    assert checkpoints.checkpoint_tick()["written"] == 0  # the interval has not passed, and the head has not moved
    latest = AuditCheckpoint.objects.order_by("-id").first()
    AuditCheckpoint.objects.filter(pk=latest.pk).update(issued_at=latest.issued_at.replace(year=2000))
    assert checkpoints.checkpoint_tick()["written"] == 0  # the interval passed but the head did not move
    make_version(personas, model)
    assert checkpoints.checkpoint_tick()["written"] == 1
    stored = [cp.parse(doc) for doc in AuditCheckpoint.objects.order_by("id").values_list("document", flat=True)]
    assert stored[1].previous == stored[0].digest() and stored[0].previous == cp.GENESIS
    assert all(cp.signature_valid(item) for item in stored)


def test_published_to_the_directory_write_once(chain, keys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = checkpoints.checkpoint_write()
    out = Path(settings.AUDIT_CHECKPOINT["DIRECTORY"])
    files = sorted(p.name for p in out.iterdir())
    assert any(name.startswith(f"checkpoint-{checkpoint.sequence:012d}-") for name in files)
    assert any(name.startswith("public-key-") for name in files)
    publication = checkpoint.publications.get()
    assert publication.status == PublicationStatus.SUCCEEDED
    written = next(out.glob("checkpoint-*.json"))
    assert cp.parse(written.read_text()) == cp.parse(checkpoint.document)


def test_publishing_failure_is_retried_then_alerted(chain, keys, settings, caplog, django_capture_on_commit_callbacks):
    settings.AUDIT_CHECKPOINT = {**settings.AUDIT_CHECKPOINT, "DIRECTORY": str(keys / "missing"), "MAX_ATTEMPTS": 3}
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = checkpoints.checkpoint_write()
    publication = checkpoint.publications.get()
    assert publication.status == PublicationStatus.PENDING and publication.attempts == 1
    assert "does not exist" in publication.last_error and publication.next_attempt_at is not None
    for _ in range(2):
        CheckpointPublication.objects.filter(pk=publication.pk).update(
            next_attempt_at=publication.next_attempt_at.replace(year=2000)
        )
        checkpoints.checkpoint_tick()
        publication.refresh_from_db()
    assert publication.status == PublicationStatus.FAILED and publication.attempts == 3
    alert = AuditEvent.objects.filter(action="audit.checkpoint_publish_failed").get()
    assert alert.after["attempts"] == 3 and "does not exist" in alert.after["error"]
    assert "could not be published" in caplog.text
    assert checkpoints.publications_failing() == 1


# --- the API and the audit page ---------------------------------------------------------------------------------------


def test_api_shows_the_key_and_checks_a_pasted_checkpoint(chain, keys, personas, api):
    client = api(personas.auditor)
    info = client.get("/api/v1/audit/checkpoints/").json()
    assert info["public_key"] == checkpoints.public_key() and "BEGIN PUBLIC KEY" in info["public_key_pem"]
    taken = checkpoints.checkpoint_write()
    assert client.get("/api/v1/audit/checkpoints/").json()["latest"] == json.loads(taken.document)

    held = client.post("/api/v1/audit/checkpoints/check/", {"checkpoint": json.loads(taken.document)}, format="json")
    assert held.status_code == 200 and held.json()["holds"] is True
    truncate_tail()
    gone = client.post("/api/v1/audit/checkpoints/check/", {"checkpoint": taken.document}, format="json")
    assert (
        gone.status_code == 200 and gone.json()["holds"] is False and "deleted from the tail" in gone.json()["message"]
    )

    forger = cp.load_private_key(cp.generate_private_key_pem())
    forged = cp.sign(
        forger, sequence=1, head_hash=AuditEvent.objects.get(sequence=1).hash, issued_at="x", previous=cp.GENESIS
    )
    refused = client.post("/api/v1/audit/checkpoints/check/", {"checkpoint": forged.to_json()}, format="json")
    assert refused.json()["holds"] is False and "not a trusted key" in refused.json()["message"]

    bad = client.post("/api/v1/audit/checkpoints/check/", {"checkpoint": ""}, format="json")
    assert bad.status_code == 400 and "checkpoint" in json.dumps(bad.json())
    junk = client.post("/api/v1/audit/checkpoints/check/", {"checkpoint": "{nope"}, format="json")
    assert junk.status_code == 200 and junk.json()["holds"] is False and "not a checkpoint" in junk.json()["message"]
    assert api(personas.scientist).post("/api/v1/audit/checkpoints/check/", {"checkpoint": "{}"}).status_code == 403


def test_audit_page_checks_a_pasted_checkpoint_and_keeps_it(chain, keys, personas, client):
    client.force_login(personas.auditor)
    page = client.get(reverse("registry:audit-verify")).content.decode()
    assert checkpoints.public_key_info()["fingerprint"] in page and 'data-testid="checkpoint-form"' in page
    taken = checkpoints.checkpoint_write()
    body = client.post(reverse("registry:audit-verify"), {"checkpoint": taken.document}).content.decode()
    assert 'data-testid="checkpoint-holds"' in body
    rewrite_history()
    body = client.post(reverse("registry:audit-verify"), {"checkpoint": taken.document}).content.decode()
    assert 'data-testid="checkpoint-not-held"' in body and "rewritten" in body
    assert taken.document.replace('"', "&quot;") in body  # the pasted text is kept
