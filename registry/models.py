from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from registry.choices import Decision, Independence, RequestKind, RequestStatus, RiskTier, Stage
from registry.expressions import CanonicalValue

name_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,199}$",
    "Use letters, digits, spaces, '.', '_' or '-' (up to 200 characters, starting with a letter or digit).",
)
alias_validator = RegexValidator(
    r"^[a-z][a-z0-9_-]{0,63}$", "Aliases are lower-case letters, digits, '_' or '-', starting with a letter."
)
sha256_validator = RegexValidator(r"^[0-9a-f]{64}$", "Give the SHA-256 as 64 lower-case hexadecimal characters.")


class Team(models.Model):
    """The people who own and answer for a model (object-level permissions follow team membership)."""

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RegisteredModel(models.Model):
    name = models.CharField(max_length=200, unique=True, validators=[name_validator])
    description = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_models")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="models", null=True, blank=True)
    risk_tier = models.CharField(max_length=16, choices=RiskTier.choices, default=RiskTier.MEDIUM, db_index=True)
    business_goal = models.TextField(blank=True, help_text="Planning: the business problem this model serves.")
    success_kpi = models.TextField(blank=True, help_text="Planning: how success is measured in the business.")
    tags = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ModelVersion(models.Model):
    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    description = models.TextField(blank=True)
    source_uri = models.CharField(max_length=2048)
    artifact_sha256 = models.CharField(max_length=64, blank=True, validators=[sha256_validator])
    framework = models.CharField(max_length=100, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    input_signature = models.JSONField(default=dict, blank=True)
    training_dataset = models.CharField(max_length=500, blank=True)
    code_repository = models.CharField(max_length=500, blank=True)
    code_commit = models.CharField(max_length=64, blank=True)
    run_id = models.CharField(max_length=100, blank=True)
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children")
    tags = models.JSONField(default=dict, blank=True)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.NONE, db_index=True)
    stage_changed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_versions")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["model__name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["model", "version"], name="registry_version_unique_per_model"),
            # At most one production version per model, enforced by the database.
            models.UniqueConstraint(
                fields=["model"], condition=Q(stage="production"), name="registry_one_production_per_model"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model.name} v{self.version}"


class ModelCard(models.Model):
    version = models.OneToOneField(ModelVersion, on_delete=models.CASCADE, related_name="card")
    intended_use = models.TextField(blank=True)
    out_of_scope_use = models.TextField(blank=True)
    training_data = models.TextField(blank=True)
    evaluation_data = models.TextField(blank=True)
    metrics = models.TextField(blank=True)
    ethical_considerations = models.TextField(blank=True)
    caveats = models.TextField(blank=True)
    # Raised by every change of the card's text: a promotion request's evidence names the revision its gate judged.
    revision = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["version"]

    def __str__(self) -> str:
        return f"Model card of {self.version}"


class ModelAlias(models.Model):
    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=64, validators=[alias_validator])
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="aliases")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["model__name", "alias"]
        constraints = [models.UniqueConstraint(fields=["model", "alias"], name="registry_alias_unique_per_model")]

    def __str__(self) -> str:
        return f"{self.model.name}@{self.alias}"


class StageTransition(models.Model):
    """History of stage moves and alias moves, for "as of" questions (what was in production at time t)."""

    model = models.ForeignKey(RegisteredModel, on_delete=models.CASCADE, related_name="transitions")
    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="transitions")
    alias = models.CharField(max_length=64, blank=True, help_text="Empty for a stage move.")
    from_stage = models.CharField(max_length=16, blank=True)
    to_stage = models.CharField(max_length=16, blank=True, help_text="For an alias move: 'set' or 'removed'.")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    promotion_request = models.ForeignKey(
        "PromotionRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="transitions"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "alias", "at"], name="registry_transition_asof")]

    def __str__(self) -> str:
        target = f"@{self.alias} {self.to_stage}" if self.alias else f"{self.from_stage} -> {self.to_stage}"
        return f"{self.version_id}: {target} at {self.at:%Y-%m-%d %H:%M}"


class PromotionPolicy(models.Model):
    """The gates and approvals a move to production needs, per risk tier (editable in the admin)."""

    risk_tier = models.CharField(max_length=16, choices=RiskTier.choices, unique=True)
    approvals_required = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    required_gates = models.JSONField(
        default=list, blank=True, help_text="Gate names that must pass, e.g. model_card, metrics, maturity, drift."
    )
    maturity_framework = models.CharField(max_length=100, default="lifecycle", blank=True)
    min_maturity_score = models.FloatField(default=0.5, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    max_assessment_age_days = models.PositiveIntegerField(default=365)
    max_drift_check_age_days = models.PositiveIntegerField(default=30)
    required_card_fields = models.JSONField(default=list, blank=True)
    metric_thresholds = models.JSONField(
        default=dict, blank=True, help_text='e.g. {"accuracy": {"min": 0.8}, "rmse": {"max": 50}}'
    )
    protected_aliases = models.JSONField(default=list, blank=True, help_text='e.g. ["champion"]')
    independence = models.CharField(
        max_length=16,
        choices=Independence.choices,
        default=Independence.NONE,
        help_text="Who may approve besides 'not the requester' (four-eyes, always): 'outside the model's team' "
        "refuses the model's owner and the members of its team.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["risk_tier"]
        verbose_name_plural = "promotion policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(approvals_required__gte=1) & Q(approvals_required__lte=3),
                name="registry_policy_approvals_1_to_3",
            )
        ]

    def __str__(self) -> str:
        return f"Policy for {self.risk_tier} risk"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from registry.choices import MODEL_CARD_FIELDS

        errors: dict[str, str] = {}
        if not isinstance(self.required_gates, list) or not all(isinstance(g, str) for g in self.required_gates):
            errors["required_gates"] = 'Give a list of gate names, e.g. ["model_card", "metrics"].'
        fields = self.required_card_fields
        if (
            not isinstance(fields, list)
            or not set(fields) <= set(MODEL_CARD_FIELDS)
            or not all(isinstance(f, str) for f in fields)
        ):
            errors["required_card_fields"] = f"Give a list drawn from: {', '.join(MODEL_CARD_FIELDS)}."
        thresholds = self.metric_thresholds
        valid = isinstance(thresholds, dict) and all(
            isinstance(bound, dict)
            and bound
            and set(bound) <= {"min", "max"}
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in bound.values())
            for bound in thresholds.values()
        )
        if not valid:
            errors["metric_thresholds"] = 'Give {"metric": {"min": number}} or {"metric": {"max": number}}.'
        aliases = self.protected_aliases
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            errors["protected_aliases"] = 'Give a list of alias names, e.g. ["champion"].'
        if errors:
            raise ValidationError(errors)


class PromotionRequest(models.Model):
    version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="promotion_requests")
    kind = models.CharField(max_length=8, choices=RequestKind.choices, default=RequestKind.STAGE)
    alias = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="promotion_requests"
    )
    justification = models.TextField()
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN, db_index=True)
    approvals_required = models.PositiveSmallIntegerField(help_text="Snapshot of the policy at request time.")
    gate_results = models.JSONField(default=list, blank=True)
    gates_passed = models.BooleanField(default=False)
    gates_evaluated_at = models.DateTimeField(null=True, blank=True)
    # SHA-256 of the evidence snapshot the gate results were judged on (registry.domain.evidence).
    evidence_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closing_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("decide_promotionrequest", "Can approve or reject promotion requests")]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "kind", "alias"],
                condition=Q(status="open"),
                name="registry_one_open_request_per_target",
            )
        ]

    def __str__(self) -> str:
        target = f"alias {self.alias}" if self.kind == RequestKind.ALIAS else "production"
        return f"Request #{self.pk}: {self.version} to {target}"

    @property
    def target_label(self) -> str:
        return f"alias '{self.alias}'" if self.kind == RequestKind.ALIAS else "production"

    @property
    def target_display(self) -> str:
        """``target_label`` in the reader's language (the label itself stays English: audit payloads carry it)."""
        if self.kind == RequestKind.ALIAS:
            return gettext("alias '%(alias)s'") % {"alias": self.alias}
        return gettext("production")


class Approval(models.Model):
    request = models.ForeignKey(PromotionRequest, on_delete=models.PROTECT, related_name="decisions")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approvals")
    # Copied from the request so the database itself can refuse a self-approval (four-eyes).
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    comment = models.TextField(blank=True)
    # The evidence snapshot this decision was taken on: an approval counts only while the request's evidence is this.
    evidence_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(approver=F("requester")), name="registry_four_eyes_not_requester"),
            # One decision per approver on each evidence snapshot: new evidence voids the approvals and asks again.
            models.UniqueConstraint(
                fields=["request", "approver", "evidence_hash"], name="registry_one_decision_per_approver_and_evidence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} by {self.approver} on #{self.request_id}"


def _from_payload(key: str, kind: str, output_field: models.Field, **options) -> models.GeneratedField:
    return models.GeneratedField(
        expression=CanonicalValue(key, kind), output_field=output_field, db_persist=True, **options
    )


class AuditEvent(models.Model):
    """One append-only, hash-chained record per change. No foreign keys: deleting a user or model never edits it.

    Only ``canonical`` (exactly the bytes that were hashed, UTF-8 JSON) and ``hash`` are written. Every other column is
    generated by the database from ``canonical``, so no column can say something the hashed payload does not: the
    database refuses an UPDATE of a generated column and an edited payload no longer matches its hash.
    """

    canonical = models.TextField()
    hash = models.CharField(max_length=64, unique=True)
    sequence = _from_payload("sequence", "bigint", models.BigIntegerField(), unique=True)
    occurred_at = _from_payload("occurred_at", "timestamp", models.DateTimeField(), db_index=True)
    actor_id = _from_payload("actor_id", "bigint", models.BigIntegerField(null=True), db_index=True)
    actor_name = _from_payload("actor_name", "text", models.TextField())
    request_id = _from_payload("request_id", "text", models.TextField(), db_index=True)
    channel = _from_payload("channel", "text", models.TextField())
    action = _from_payload("action", "text", models.TextField(), db_index=True)
    object_type = _from_payload("object_type", "text", models.TextField())
    object_id = _from_payload("object_id", "text", models.TextField())
    object_repr = _from_payload("object_repr", "text", models.TextField())
    model_id = _from_payload("model_id", "bigint", models.BigIntegerField(null=True), db_index=True)
    model_name = _from_payload("model_name", "text", models.TextField())
    before = _from_payload("before", "json", models.JSONField(null=True))
    after = _from_payload("after", "json", models.JSONField(null=True))
    prev_hash = _from_payload("prev_hash", "text", models.TextField())

    class Meta:
        ordering = ["-sequence"]
        # Verification checks every link (prev_hash against the previous event's hash) in one index-only pass.
        indexes = [models.Index(fields=["sequence"], include=["hash", "prev_hash"], name="registry_audit_links")]
        permissions = [
            ("verify_audit", "Can verify the audit chain"),
            ("export_audit", "Can export the audit trail"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """Single row locked by every append so the chain stays linear under concurrent writers."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="registry_audit_head_singleton")]

    def __str__(self) -> str:
        return f"audit head #{self.sequence}"


class CheckpointTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule (celery beat)"
    REPORT = "report", "Governance report"
    COMMAND = "command", "On demand"
    ROTATION = "rotation", "Key rotation"


class AuditCheckpoint(models.Model):
    """A signed commitment to the audit chain's head (``registry.domain.checkpoint``), published outside the
    database. Checkpoints chain among themselves (``previous``) and are not audit events: recording one must not move
    the head it has just signed (see docs/audit-checkpoints.md)."""

    sequence = models.BigIntegerField(db_index=True)
    head_hash = models.CharField(max_length=64)
    issued_at = models.DateTimeField()
    previous = models.CharField(max_length=64)
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the document; the next names it.")
    public_key = models.CharField(max_length=64, help_text="The signer's Ed25519 public key (raw, base64).")
    next_public_key = models.CharField(max_length=64, blank=True, help_text="Set on a key rotation.")
    document = models.TextField(help_text="The signed checkpoint exactly as published (JSON).")
    trigger = models.CharField(max_length=16, choices=CheckpointTrigger.choices)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"checkpoint #{self.sequence} {self.head_hash[:12]}"


class PublicationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Published"
    FAILED = "failed", "Failed"


class CheckpointPublication(models.Model):
    """One checkpoint sent to one sink target (a directory, a webhook endpoint, an auditor's e-mail address)."""

    checkpoint = models.ForeignKey(AuditCheckpoint, on_delete=models.PROTECT, related_name="publications")
    sink = models.CharField(max_length=32)
    target = models.CharField(max_length=500)
    status = models.CharField(
        max_length=16, choices=PublicationStatus.choices, default=PublicationStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "sink", "target"], name="registry_checkpoint_once_per_target")
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint} -> {self.sink}:{self.target} ({self.status})"
