"""A report whose worker was SIGKILLed mid-rendering is recovered by the one job sweep: re-run while attempts remain,
failed (audited) after, never left running (issue #13, hole 8)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from mlops_gov.jobs import registered_job_kinds
from monitoring import services as monitoring_services
from registry.models import AuditEvent
from reports import services
from reports.models import GovernanceReport


def wait_for(predicate, timeout: float = 180.0, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("timed out waiting")


def test_every_job_kind_is_swept():
    assert {"monitoring.driftcheck", "reports.governancereport"} <= set(registered_job_kinds())


@pytest.mark.integration
def test_worker_killed_mid_report_is_recovered(celery_worker, personas, production):
    from reports.tasks import generate_report

    report = services.report_request(actor=personas.scientist, version=production, enqueue=False)
    # Hold the first attempt in the worker long enough to kill it there.
    generate_report.apply_async(args=[report.pk], kwargs={"hold_seconds": 60})
    wait_for(lambda: GovernanceReport.objects.get(pk=report.pk).status == "running")
    celery_worker.kill()
    report.refresh_from_db()
    assert report.status == "running" and report.attempts == 1
    # The lease expires (time travel rather than waiting 35 minutes); a fresh worker starts; the sweep re-queues it.
    GovernanceReport.objects.filter(pk=report.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    celery_worker.start()
    counts = monitoring_services.sweep()
    assert counts["requeued"] >= 1
    wait_for(lambda: GovernanceReport.objects.get(pk=report.pk).is_finished)
    report.refresh_from_db()
    assert report.status == "succeeded" and report.attempts == 2, report.error or celery_worker.log()
    assert report.file and report.sha256


def test_a_report_abandoned_too_often_fails_audited(personas, production):
    report = services.report_request(actor=personas.scientist, version=production, enqueue=False)
    GovernanceReport.objects.filter(pk=report.pk).update(
        status="running", attempts=GovernanceReport.MAX_ATTEMPTS, lease_expires_at=timezone.now() - timedelta(minutes=1)
    )
    counts = monitoring_services.sweep()
    assert counts["failed"] >= 1
    report.refresh_from_db()
    assert report.status == "failed" and "killed or timed out" in report.error
    failed = AuditEvent.objects.filter(action="report.failed", object_id=str(report.pk))
    assert failed.count() == 1 and failed.get().model_name == production.model.name


def test_a_queued_report_whose_message_was_lost_is_requeued(personas, production, monkeypatch):
    report = services.report_request(actor=personas.scientist, version=production, enqueue=False)
    GovernanceReport.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(hours=1))
    monitoring_services.sweep()  # eager in tests: the re-queued rendering runs here
    report.refresh_from_db()
    assert report.status == "succeeded" and report.attempts == 1
