"""Stored reports: API 202 + poll + download, the automatic report on promotion, admin, CLI; hashes and audit."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from mlops_gov.jobs import JobStatus
from registry.audit import audit_verify
from registry.models import AuditEvent
from reports import services
from reports.choices import ReportTrigger
from reports.models import GovernanceReport
from tests.reports.factories import make_version, promote
from tests.reports.pdf import assert_no_attachments, flat, pdf_text


def _events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


def test_api_create_poll_download(api, personas, production, django_capture_on_commit_callbacks):
    client = api(personas.scientist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/reports/", {"model": "credit-scoring"}, format="json")
    assert response.status_code == 202, response.content
    report_id = response.json()["id"]
    assert response.json()["variant"] == "pdf/a-3b"
    polled = client.get(f"/api/v1/reports/{report_id}/").json()
    assert polled["status"] == JobStatus.SUCCEEDED and polled["progress"] == 100
    download = client.get(polled["download_url"])
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == polled["sha256"] and len(data) == polled["size_bytes"]
    root: Any = PdfReader(io.BytesIO(data)).trailer["/Root"]  # pypdf types trailer entries as the PdfObject union
    assert "pdfaid:part" in root["/Metadata"].get_object().get_data().decode()
    text = flat(pdf_text(data))
    assert flat(polled["chain_hash"]) in text and f"#{polled['chain_sequence']}" in text
    assert_no_attachments(data)
    generated = _events("report.generated")
    assert len(generated) == 1 and generated[0].after["sha256"] == polled["sha256"]
    assert generated[0].actor_name == "sam" and generated[0].channel == "task"
    assert generated[0].sequence > polled["chain_sequence"]  # the report was made against the chain before it
    assert audit_verify().ok


def test_api_bad_input_is_a_clear_4xx(api, personas, production):
    client = api(personas.scientist)
    assert client.post("/api/v1/reports/", {}, format="json").status_code == 400
    assert client.post("/api/v1/reports/", {"model": "nope"}, format="json").status_code == 404
    response = client.post("/api/v1/reports/", {"model": "credit-scoring", "version": 7}, format="json")
    assert response.status_code == 404
    assert (
        client.post("/api/v1/reports/", {"model": "credit-scoring", "variant": "pdf/x"}, format="json").status_code
        == 400
    )
    # Auditors read but do not store reports through the API (their role has no add permission).
    assert api(personas.auditor).post("/api/v1/reports/", {"model": "credit-scoring"}, format="json").status_code == 403


def test_download_of_an_unfinished_report_is_409(api, personas, production):
    report = services.report_request(actor=personas.scientist, version=production, enqueue=False)
    response = api(personas.scientist).get(f"/api/v1/reports/{report.pk}/download/")
    assert response.status_code == 409
    assert "not available yet" in response.json()["detail"]


def test_promotion_to_production_stores_an_archival_report(personas, production, django_capture_on_commit_callbacks):
    v2 = make_version(personas, production.model, description="Second version")
    with django_capture_on_commit_callbacks(execute=True):
        promote(personas, v2)
    reports = list(GovernanceReport.objects.filter(trigger=ReportTrigger.PROMOTION))
    assert len(reports) == 1
    report = reports[0]
    assert report.status == JobStatus.SUCCEEDED and report.version_id == v2.pk and report.variant == "pdf/a-3b"
    data = report.file.read()
    assert hashlib.sha256(data).hexdigest() == report.sha256
    text = flat(pdf_text(data))
    assert "credit-scoringv2" in text and "Secondversion" in text
    assert report.chain_verified is True


def test_report_generation_is_idempotent_and_failures_are_recorded(personas, production):
    report = services.report_request(actor=personas.scientist, version=production, enqueue=False)
    assert services.report_generate(report_id=report.pk) is not None
    assert services.report_generate(report_id=report.pk) is None  # a redelivery does nothing
    assert len(_events("report.generated")) == 1
    broken = services.report_request(actor=personas.scientist, version=production, enqueue=False)
    GovernanceReport.objects.filter(pk=broken.pk).update(version=None)
    with pytest.raises(Exception, match="no longer exists"):
        services.report_generate(report_id=broken.pk)
    broken.refresh_from_db()
    assert broken.status == JobStatus.FAILED and "no longer exists" in broken.error


def test_page_generate_button(client, personas, production, django_capture_on_commit_callbacks):
    client.force_login(personas.engineer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:model-generate", args=["credit-scoring"]))
    report = GovernanceReport.objects.get()
    assert response.status_code == 302 and response.url == reverse("reports:report-detail", args=[report.pk])
    page = client.get(response.url).content.decode()
    assert report.sha256 in page and "Download the PDF" in page


def test_admin_add_and_regenerate_action(client, personas, production, django_capture_on_commit_callbacks):
    client.force_login(personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:reports_governancereport_add"), {"version": production.pk, "variant": "pdf"}
        )
    assert response.status_code == 302, response.content[:2000]
    first = GovernanceReport.objects.get()
    assert first.trigger == "admin" and first.status == JobStatus.SUCCEEDED
    listing = client.get(reverse("admin:reports_governancereport_changelist")).content.decode()
    assert reverse("reports:report-download", args=[first.pk]) in listing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:reports_governancereport_changelist"),
            {"action": "regenerate", "_selected_action": [first.pk]},
        )
    assert GovernanceReport.objects.filter(status=JobStatus.SUCCEEDED).count() == 2


def test_cli_writes_a_pdf(tmp_path, production):
    out = tmp_path / "report.pdf"
    stdout = io.StringIO()
    call_command("governance_report", "credit-scoring", "--version", "1", "--output", str(out), stdout=stdout)
    data = out.read_bytes()
    assert hashlib.sha256(data).hexdigest() in stdout.getvalue()
    assert "credit-scoringv1" in flat(pdf_text(data))
    event = _events("report.exported")[-1]
    assert event.channel == "cli" and event.after["sha256"] == hashlib.sha256(data).hexdigest()


def test_cli_errors_are_clear(tmp_path, production):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No registered model"):
        call_command("governance_report", "nope", "--output", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="no version 5"):
        call_command("governance_report", "credit-scoring", "--version", "5", "--output", str(tmp_path / "x.pdf"))
