"""Every governance report signs a checkpoint of the audit head, prints it in its own block and carries it in the
PDF's XMP metadata; ``verify_audit --against REPORT.pdf`` holds the chain to it (issue #14)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from registry.audit.pdf import checkpoint_from_pdf
from registry.domain import checkpoint as cp
from registry.models import AuditCheckpoint, CheckpointTrigger
from reports import services
from tests.registry.test_audit_checkpoints import rewrite_history, truncate_tail
from tests.reports.pdf import flat, pdf_text


@pytest.fixture
def keyed(tmp_path, settings):
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "signing.pem"
    settings.AUDIT_SIGNING_KEY_GENERATE = True
    settings.AUDIT_CHECKPOINT = {**settings.AUDIT_CHECKPOINT, "DIRECTORY": "", "EMAILS": [], "WEBHOOKS": []}
    return tmp_path


def _verify(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


@pytest.mark.parametrize("variant", ["pdf", "pdf/a-3b"])
def test_report_prints_and_embeds_its_checkpoint(production, keyed, variant):
    rendered = services.model_report_render(version=production, generated_by="audrey", variant=variant)
    stored = AuditCheckpoint.objects.get()
    assert stored.trigger == CheckpointTrigger.REPORT
    path = keyed / "report.pdf"
    path.write_bytes(rendered.pdf)
    embedded = checkpoint_from_pdf(path)
    assert embedded == cp.parse(stored.document) and cp.signature_valid(embedded)
    text = flat(pdf_text(rendered.pdf))
    assert flat("Audit checkpoint") in text and flat(f"#{embedded.sequence}") in text
    assert flat(embedded.public_key) in text  # the public key is on the report


@pytest.mark.parametrize("attack", [truncate_tail, rewrite_history], ids=["truncated-tail", "rewritten-history"])
def test_verify_against_a_report_taken_before_the_tampering(production, keyed, attack):
    path = keyed / "report.pdf"
    path.write_bytes(services.model_report_render(version=production, generated_by="audrey").pdf)
    assert _verify("--against", str(path))[0] == 0
    attack()
    assert _verify()[0] == 0  # consistent in itself
    code, output = _verify("--against", str(path))
    assert code == 1 and output.count("\n") == 1 and "BROKEN" in output


def test_against_a_file_that_is_not_a_report_is_one_line(production, keyed):
    other = keyed / "other.pdf"
    other.write_bytes(b"%PDF-1.4 not really")
    code, output = _verify("--against", str(other))
    assert code == 1 and output.count("\n") == 1
