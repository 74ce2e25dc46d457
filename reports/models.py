"""Stored governance reports: a rendered PDF kept with its SHA-256, size and the audit chain head it used."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from mlops_gov.jobs import Job
from reports.choices import ReportKind, ReportTrigger, ReportVariant


class GovernanceReport(Job):
    """One stored report (a Celery job until its PDF is written). Never edited after it succeeds."""

    kind = models.CharField(max_length=16, choices=ReportKind.choices, default=ReportKind.MODEL, db_index=True)
    # SET_NULL plus copied names: a report is evidence and outlives the rows it describes.
    model = models.ForeignKey(
        "registry.RegisteredModel", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    version = models.ForeignKey(
        "registry.ModelVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    model_name = models.CharField(max_length=200, blank=True)
    version_number = models.PositiveIntegerField(null=True, blank=True)
    variant = models.CharField(max_length=16, choices=ReportVariant.choices, default=ReportVariant.PDF_A)
    trigger = models.CharField(max_length=16, choices=ReportTrigger.choices, default=ReportTrigger.PAGE)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150, blank=True)
    title = models.CharField(max_length=300, blank=True)
    language = models.CharField(
        max_length=16, default="en-gb", help_text="The language the report is written in (a code of LANGUAGES)."
    )
    file = models.FileField(upload_to="reports/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True)
    chain_sequence = models.BigIntegerField(null=True, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)
    chain_verified = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        if self.kind == ReportKind.PORTFOLIO:
            return f"Portfolio report #{self.pk}"
        return f"Governance report #{self.pk}: {self.model_name} v{self.version_number}"

    @property
    def filename(self) -> str:
        stamp = self.created_at.strftime("%Y%m%d-%H%M%S")
        if self.kind == ReportKind.PORTFOLIO:
            return f"portfolio-report-{stamp}.pdf"
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in self.model_name)[:80] or "model"
        return f"governance-report-{safe}-v{self.version_number}-{stamp}.pdf"
