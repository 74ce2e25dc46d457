"""Celery tasks of the reports app: thin, load by id, call the service.

Services import this module to enqueue; tasks import services inside their bodies, so the two never import each
other at load time."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from mlops_gov import context
from reports.models import GovernanceReport

# Rendering is bounded: a report that takes longer than this fails with a clear message.
SOFT_LIMIT_SECONDS = 5 * 60
HARD_LIMIT_SECONDS = 6 * 60


@shared_task(
    name="reports.generate_report",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=SOFT_LIMIT_SECONDS,
    time_limit=HARD_LIMIT_SECONDS,
)
def generate_report(report_id: int, hold_seconds: float = 0) -> str:
    from reports import services

    report = GovernanceReport.objects.select_related("requested_by").filter(pk=report_id).first()
    if report is None:
        return "missing"
    with context.acting(channel="task", actor=report.requested_by):
        try:
            done = services.report_generate(report_id=report_id, hold_seconds=hold_seconds)
        except SoftTimeLimitExceeded:
            GovernanceReport.mark_failed(report_id, f"Rendering took longer than {SOFT_LIMIT_SECONDS} s and stopped.")
            return "timeout"
        except Exception:  # noqa: BLE001 - recorded on the job by the service
            return "failed"
    return "done" if done is not None else "skipped"
