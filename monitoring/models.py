"""Monitoring: datasets (reference and current batches), drift-check jobs with per-column results, per-model
monitoring configuration, alerts, and their delivery by webhook and email."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mlops_gov.jobs import Job


class DatasetKind(models.TextChoices):
    REFERENCE = "reference", _("Reference")
    CURRENT = "current", _("Current batch")


class AlertKind(models.TextChoices):
    DRIFT = "drift", _("Data drift")
    QUALITY = "quality", _("Model quality degraded")
    STALE_DATA = "stale_data", _("No new data")
    CHECK_FAILED = "check_failed", _("Drift check failed")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class DeliveryChannel(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook")
    EMAIL = "email", _("Email")


class Dataset(models.Model):
    """An uploaded table, stored as the validated Parquet we wrote ourselves (never the raw upload)."""

    version = models.ForeignKey("registry.ModelVersion", on_delete=models.PROTECT, related_name="datasets")
    kind = models.CharField(max_length=16, choices=DatasetKind.choices, db_index=True)
    name = models.CharField(max_length=255, help_text="The uploaded file's name.")
    source_format = models.CharField(max_length=16)
    file = models.FileField(upload_to="monitoring/datasets/%Y/%m/", max_length=300)
    profile_file = models.FileField(upload_to="monitoring/profiles/%Y/%m/", max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the uploaded bytes.")
    size_bytes = models.BigIntegerField()
    n_rows = models.PositiveIntegerField()
    n_columns = models.PositiveIntegerField()
    schema = models.JSONField(default=list, help_text='[{"name", "kind", "dtype"}] of the feature columns.')
    roles = models.JSONField(default=dict, blank=True, help_text="target / prediction / id / timestamp columns.")
    model_quality = models.JSONField(default=dict, blank=True, help_text="Model-quality metrics of this data.")
    type_mismatches = models.JSONField(default=dict, blank=True, help_text="Per column: values of the wrong type.")
    reference = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="batches",
        help_text="For a current batch: the reference its schema was validated against.",
    )
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    source_uri = models.CharField(
        max_length=2000, blank=True, help_text="Where a dataset registered by URI was read from (never credentials)."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="reference", reference__isnull=True) | Q(kind="current", reference__isnull=False),
                name="monitoring_current_has_reference",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} {self.name}"

    @property
    def feature_names(self) -> list[str]:
        """The columns a check compares (the schema also lists timestamps and unknown columns, never checked)."""
        checked = ("numerical", "categorical", "text")  # domain.profile.KINDS (not imported: it pulls in pandas)
        return [c["name"] for c in self.schema if c.get("kind") in checked]


class DatasetImport(Job):
    """A dataset registered by URI: a worker reads it where it lives (streamed, checksummed, validated like an
    upload), never the web server. On success ``dataset`` is the stored result."""

    version = models.ForeignKey("registry.ModelVersion", on_delete=models.PROTECT, related_name="dataset_imports")
    kind = models.CharField(max_length=16, choices=DatasetKind.choices)
    uri = models.CharField(max_length=2000)
    roles = models.JSONField(default=dict, blank=True)
    run_check = models.BooleanField(default=True, help_text="Queue a drift check when a current batch is stored.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    dataset = models.OneToOneField(Dataset, on_delete=models.PROTECT, null=True, blank=True, related_name="import_job")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Dataset import #{self.pk} of {self.version}"


class MonitoringConfig(models.Model):
    """Per-model monitoring settings: the drift configuration (validated as a ``DriftConfig``), quality
    degradation thresholds, and the stale-data window."""

    model = models.OneToOneField("registry.RegisteredModel", on_delete=models.CASCADE, related_name="monitoring")
    drift_config = models.JSONField(default=dict, blank=True, help_text='e.g. {"drift_share": 0.3}')
    quality_thresholds = models.JSONField(
        default=dict,
        blank=True,
        help_text='Allowed relative degradation per metric, e.g. {"accuracy": 0.05}; default 0.1.',
    )
    check_on_upload = models.BooleanField(default=True, help_text="Run a drift check when a current batch arrives.")
    stale_after_hours = models.PositiveIntegerField(
        default=7 * 24, validators=[MinValueValidator(1), MaxValueValidator(24 * 365)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["model__name"]

    def __str__(self) -> str:
        return f"Monitoring of {self.model}"


class DriftCheck(Job):
    """One drift (and data/model quality) check of a current batch against the version's reference."""

    version = models.ForeignKey("registry.ModelVersion", on_delete=models.PROTECT, related_name="drift_checks")
    reference = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="reference_checks")
    current = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="current_checks")
    config = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    trigger = models.CharField(max_length=16, default="manual")  # manual, upload, sweep, demo, cli
    dataset_drift = models.BooleanField(null=True)
    drifted_count = models.PositiveIntegerField(null=True)
    column_count = models.PositiveIntegerField(null=True)
    drift_share = models.FloatField(null=True, help_text="Share of drifted columns.")
    drift_share_threshold = models.FloatField(null=True)
    data_quality = models.JSONField(default=dict, blank=True)
    model_quality = models.JSONField(default=dict, blank=True)
    typing = models.JSONField(
        default=list, blank=True, help_text="How each column was typed for this check: kind, rule, Evidently's kind."
    )
    report_file = models.FileField(upload_to="monitoring/reports/%Y/%m/", max_length=300, blank=True)
    shard_columns = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Columns per shard when the check is split across workers; empty: one task checks every column.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["version", "status", "finished_at"], name="monitoring_check_latest")]

    def __str__(self) -> str:
        return f"Drift check #{self.pk} of {self.version}"

    @property
    def verdict(self) -> str:
        if self.status != "succeeded":
            return self.status
        return "drift" if self.dataset_drift else "no drift"

    @property
    def verdict_display(self) -> str:
        """``verdict`` in the reader's language (``verdict`` itself is what the API and the stored data say)."""
        if self.status != "succeeded":
            return str(self.get_status_display()).lower()
        return gettext("drift") if self.dataset_drift else gettext("no drift")


class ShardRole(models.TextChoices):
    COLUMNS = "columns", _("Columns")
    ROWS = "rows", _("Rows")  # duplicate rows and model quality: all rows, a few columns at a time


class DriftCheckShard(Job):
    """One part of a column-sharded drift check: a chunk of columns (drift and per-column quality), or the rows part
    (duplicate rows folded over every column a chunk at a time, model quality). The last part to finish merges."""

    check_run = models.ForeignKey(DriftCheck, on_delete=models.CASCADE, related_name="shards")
    index = models.PositiveIntegerField()
    role = models.CharField(max_length=16, choices=ShardRole.choices, default=ShardRole.COLUMNS)
    columns = models.JSONField(default=list)
    result = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["check_run", "index"]
        constraints = [models.UniqueConstraint(fields=["check_run", "index"], name="monitoring_shard_unique_index")]

    def __str__(self) -> str:
        return f"Shard {self.index} of drift check #{self.check_run_id}"


class ColumnResult(models.Model):
    check_run = models.ForeignKey(DriftCheck, on_delete=models.CASCADE, related_name="columns")
    column = models.CharField(max_length=255)
    kind = models.CharField(max_length=16)
    method = models.CharField(max_length=100)
    threshold = models.FloatField()
    score = models.FloatField()
    detected = models.BooleanField()
    distribution = models.JSONField(default=dict, blank=True, help_text="Histogram or category shares, for charts.")

    class Meta:
        ordering = ["check_run", "id"]
        constraints = [models.UniqueConstraint(fields=["check_run", "column"], name="monitoring_one_result_per_column")]

    def __str__(self) -> str:
        return f"{self.column}: {self.score:.4g} ({'drift' if self.detected else 'ok'})"


class WebhookEndpoint(models.Model):
    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=200, help_text="Shared secret for the X-MLOps-Gov-Signature HMAC-SHA256.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AlertRule(models.Model):
    """Who hears about what: events (alert kinds and registry actions), optionally for one model only."""

    name = models.CharField(max_length=100, unique=True)
    model = models.ForeignKey(
        "registry.RegisteredModel", on_delete=models.CASCADE, null=True, blank=True, related_name="alert_rules"
    )
    events = models.JSONField(
        default=list, help_text='e.g. ["drift", "stale_data", "quality", "version.created", "promotion.applied"]'
    )
    webhook = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, null=True, blank=True, related_name="rules")
    emails = models.JSONField(default=list, blank=True, help_text='e.g. ["ml-oncall@example.org"]')
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    kind = models.CharField(max_length=16, choices=AlertKind.choices, db_index=True)
    model = models.ForeignKey("registry.RegisteredModel", on_delete=models.CASCADE, related_name="alerts")
    version = models.ForeignKey(
        "registry.ModelVersion", on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    check_run = models.ForeignKey(DriftCheck, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    message = models.TextField()
    payload = models.JSONField(default=dict, blank=True)
    dedup_key = models.CharField(max_length=200, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["dedup_key"], condition=~Q(dedup_key=""), name="monitoring_alert_dedup")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.model}"


class Delivery(models.Model):
    """One notification to one target (a webhook or an email address), with its attempts."""

    rule = models.ForeignKey(AlertRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries")
    event = models.CharField(max_length=64, help_text="Alert kind or registry action.")
    channel = models.CharField(max_length=16, choices=DeliveryChannel.choices)
    target = models.CharField(max_length=500)
    webhook = models.ForeignKey(WebhookEndpoint, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        # Not the target: a webhook URL may carry a token, and this text shows wherever the delivery is named.
        where = self.webhook.name if self.webhook_id and self.webhook else self.channel
        return f"{self.event} -> {where} ({self.status})"
