"""Maturity frameworks (versioned data), assessments of a registered model against one framework version, answers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import ModelVersion, RegisteredModel


class Framework(models.Model):
    """One version of a framework file. A changed file becomes a new version; old versions stay for the assessments
    answered against them."""

    slug = models.SlugField(max_length=50)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    edition = models.CharField(max_length=50, blank=True, help_text="The file's own edition label.")
    method = models.CharField(max_length=20)
    definition = models.JSONField(help_text="The validated framework document.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the canonical JSON of the definition.")
    is_current = models.BooleanField(default=True, db_index=True)
    builtin = models.BooleanField(default=False)
    source_name = models.CharField(max_length=255, blank=True, help_text="The file it was loaded from.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slug", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="assessments_framework_unique_version"),
            models.UniqueConstraint(fields=["slug", "sha256"], name="assessments_framework_unique_content"),
            models.UniqueConstraint(
                fields=["slug"], condition=Q(is_current=True), name="assessments_framework_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def question_count(self) -> int:
        return sum(len(d["questions"]) for d in self.definition["dimensions"])

    def questions(self) -> dict[str, dict[str, Any]]:
        """``{question_id: question}`` with ``dimension`` added, in document order."""
        out: dict[str, dict[str, Any]] = {}
        for dimension in self.definition["dimensions"]:
            for question in dimension["questions"]:
                out[question["id"]] = {**question, "dimension": dimension["id"]}
        return out


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class Assessment(models.Model):
    # CASCADE: the registry decides when a model may be deleted (never with promotion history); the audit trail
    # keeps every assessment event, and a PROTECT here would turn an allowed deletion into a server error.
    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="assessments")
    model_version = models.ForeignKey(
        ModelVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessments",
        help_text="Optional: the version the assessment looked at.",
    )
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="assessments")
    status = models.CharField(
        max_length=12, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT, db_index=True
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    score = models.FloatField(null=True, blank=True, help_text="Normalised overall score (0..1), set on submission.")
    label = models.CharField(max_length=200, blank=True, help_text="Band or level reached.")
    result = models.JSONField(null=True, blank=True, help_text="The scoring engine's full, explained result.")
    # RESTRICT, not PROTECT: a measurement is never deleted on its own, but goes with its model (and the model's
    # assessments) when the registry allows deleting the model.
    measurement = models.ForeignKey(
        "Measurement",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The observations frozen with the submission (what the platform saw then).",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["model", "status", "submitted_at"], name="assessments_model_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(submitted_at__isnull=False) & Q(score__isnull=False)),
                name="assessments_submitted_has_score",
            )
        ]

    def __str__(self) -> str:
        return f"Assessment #{self.pk}: {self.model.name} / {self.framework.slug} v{self.framework.version}"

    @property
    def is_submitted(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question_id = models.CharField(max_length=64)
    value = models.FloatField(null=True, blank=True, help_text="Empty when not applicable.")
    not_applicable = models.BooleanField(default=False)
    justification = models.TextField(blank=True, help_text="Why the question does not apply (required for N/A).")
    evidence_url = models.URLField(max_length=1000, blank=True)
    evidence_note = models.TextField(blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assessment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question_id"], name="assessments_one_answer_per_question"),
            models.CheckConstraint(
                condition=(Q(not_applicable=True) & Q(value__isnull=True))
                | (Q(not_applicable=False) & Q(value__isnull=False)),
                name="assessments_answer_value_or_na",
            ),
        ]

    def __str__(self) -> str:
        shown = "N/A" if self.not_applicable else f"{self.value:g}"
        return f"{self.question_id} = {shown}"


class Measurement(models.Model):
    """Maturity measured from the platform's own records by the evidence rules alone (no questionnaire): one per
    model and run, or for the whole portfolio (``model`` empty). Never edited once written."""

    model = models.ForeignKey(
        RegisteredModel, on_delete=models.CASCADE, null=True, blank=True, related_name="measurements"
    )
    model_version = models.ForeignKey(
        ModelVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="measurements",
        help_text="The version the rules judged (production if any).",
    )
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="measurements")
    trigger = models.CharField(max_length=16, default="beat")  # beat, submission, manual, demo, cli
    measured_at = models.DateTimeField(default=timezone.now, db_index=True)
    score = models.FloatField(null=True, blank=True, help_text="Normalised measured score (0..1); empty if none.")
    label = models.CharField(max_length=200, blank=True)
    observed = models.PositiveIntegerField(default=0, help_text="Questions observed.")
    observable = models.PositiveIntegerField(default=0, help_text="Questions of the framework that name a rule.")
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-measured_at", "-id"]
        indexes = [models.Index(fields=["model", "framework", "measured_at"], name="assessments_measured_latest")]

    def __str__(self) -> str:
        who = self.model.name if self.model is not None else "portfolio"
        return f"Measurement #{self.pk}: {who} {self.measured_at:%Y-%m-%d}"

    @property
    def is_portfolio(self) -> bool:
        return self.model_id is None


class Observation(models.Model):
    """What one evidence rule saw for one question: the rule and its version, the verdict, the records it judged."""

    measurement = models.ForeignKey(Measurement, on_delete=models.CASCADE, related_name="observations")
    question_id = models.CharField(max_length=64)
    rule = models.CharField(max_length=100)
    rule_version = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=[("yes", _("Yes")), ("partly", _("Partly")), ("no", _("No"))])
    value = models.FloatField(help_text="The answer value the status stands for on the question's scale.")
    detail = models.TextField(blank=True)
    evidence = models.JSONField(default=list, blank=True, help_text='[{"kind", "id", "label", "url"}]')
    observed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["measurement", "id"]
        constraints = [
            models.UniqueConstraint(fields=["measurement", "question_id"], name="assessments_one_observation_per_q")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.status} ({self.rule} v{self.rule_version})"
