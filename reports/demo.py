"""Demo reports: one stored archival report for each production model (as a promotion would have produced)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from mlops_gov import context
from registry.choices import Stage
from registry.models import ModelVersion
from reports import services
from reports.choices import ReportTrigger
from reports.models import GovernanceReport


def seed(stdout) -> None:
    dana = get_user_model().objects.filter(username="dana").first()
    for version in ModelVersion.objects.filter(stage=Stage.PRODUCTION).select_related("model"):
        if GovernanceReport.objects.filter(version=version).exists():
            continue
        with context.acting(channel="cli", actor=dana):
            report = services.report_request(
                actor=None, version=version, trigger=ReportTrigger.PROMOTION, enqueue=False
            )
            done = services.report_generate(report_id=report.pk)
        if done is not None:
            stdout.write(f"  report #{done.pk} for {version}: {done.size_bytes:,} bytes, SHA-256 {done.sha256[:12]}…")
