from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from mlops_gov.api.fields import SEGMENT_RULE, CheckedPatternField, ExistingSlugRelatedField, source_uri_pattern
from registry import limits
from registry.audit_display import shown_payload
from registry.choices import MODEL_CARD_FIELDS, Decision, RequestKind, RiskTier, Stage
from registry.domain.hashchain import HASHED_FIELDS
from registry.domain.uris import validate_source_uri
from registry.models import (
    Approval,
    AuditEvent,
    ModelAlias,
    ModelCard,
    ModelVersion,
    PromotionPolicy,
    PromotionRequest,
    RegisteredModel,
    Team,
    name_validator,
)

User = get_user_model()


class JSONObjectField(serializers.JSONField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Expected a JSON object.")
        return value


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {"type": "string", "maxLength": limits.TAG_VALUE_MAX, "pattern": r"^[^\u0000]*$"},
        "maxProperties": limits.TAGS_MAX,
    }
)
class TagsField(JSONObjectField):
    """A ``{key: value}`` object of strings within the limits every door shares (registry.limits)."""

    def to_internal_value(self, data):
        try:
            return limits.check_tags(super().to_internal_value(data))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["tags"]) from None


@extend_schema_field({"oneOf": [{"type": "object"}, {"type": "string", "pattern": r"\S"}]})
class CheckpointDocumentField(serializers.JSONField):
    """A signed checkpoint: the JSON object, or its text as published."""


@extend_schema_field({"type": "object", "additionalProperties": {"type": "number"}})
class MetricsField(JSONObjectField):
    """Evaluation metrics: name -> number (the service refuses anything else)."""


class ModelOutSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username")
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    production_version = serializers.SerializerMethodField()

    class Meta:
        model = RegisteredModel
        fields = [
            "id",
            "name",
            "description",
            "owner",
            "team",
            "risk_tier",
            "business_goal",
            "success_kpi",
            "tags",
            "production_version",
            "created_at",
            "updated_at",
        ]

    def get_production_version(self, obj) -> int | None:
        versions = getattr(obj, "production_versions", None)
        if versions is None:
            versions = [v for v in obj.versions.all() if v.stage == Stage.PRODUCTION]
        return versions[0].version if versions else None


class ModelInSerializer(serializers.Serializer):
    name = serializers.RegexField(
        name_validator.regex, max_length=200, error_messages={"invalid": name_validator.message}
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=limits.DESCRIPTION_MAX)
    owner = ExistingSlugRelatedField(slug_field="username", queryset=User.objects.all(), required=False)
    team = ExistingSlugRelatedField(slug_field="name", queryset=Team.objects.all(), required=False, allow_null=True)
    risk_tier = serializers.ChoiceField(choices=RiskTier.choices, required=False)
    business_goal = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    success_kpi = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    tags = TagsField(required=False)


class ModelUpdateSerializer(ModelInSerializer):
    name = None  # type: ignore[assignment]  # DRF: None removes the inherited field


class CardSerializer(serializers.ModelSerializer):
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)  # null: never filled in

    class Meta:
        model = ModelCard
        fields = [*MODEL_CARD_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]


class VersionOutSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name")
    created_by = serializers.CharField(source="created_by.username")
    parent_version = serializers.IntegerField(source="parent.version", allow_null=True, default=None)
    aliases: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="alias", many=True, read_only=True
    )
    card = CardSerializer(read_only=True)

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "model",
            "version",
            "stage",
            "stage_changed_at",
            "description",
            "source_uri",
            "artifact_sha256",
            "framework",
            "parameters",
            "metrics",
            "input_signature",
            "training_dataset",
            "code_repository",
            "code_commit",
            "run_id",
            "parent_version",
            "tags",
            "aliases",
            "card",
            "created_by",
            "created_at",
        ]


def _check_source_uri(uri: str) -> None:
    validate_source_uri(uri, allowed_schemes=settings.MLOPS_GOV["SOURCE_URI_SCHEMES"])


class VersionInSerializer(serializers.Serializer):
    source_uri = CheckedPatternField(
        source_uri_pattern(settings.MLOPS_GOV["SOURCE_URI_SCHEMES"]),
        check=_check_source_uri,
        max_length=2048,
        message=f"Give the artifact as scheme://bucket/path with {SEGMENT_RULE} "
        f"(schemes: {', '.join(sorted(settings.MLOPS_GOV['SOURCE_URI_SCHEMES']))}).",
        help_text="Where the artifact lives, e.g. s3://bucket/models/churn/3.",
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=limits.DESCRIPTION_MAX)
    artifact_sha256 = serializers.RegexField(r"^[0-9a-f]{64}$", required=False, allow_blank=True)
    framework = serializers.CharField(required=False, allow_blank=True, max_length=100)
    parameters = JSONObjectField(required=False)
    metrics = MetricsField(required=False)
    input_signature = JSONObjectField(required=False)
    training_dataset = serializers.CharField(required=False, allow_blank=True, max_length=500)
    code_repository = serializers.CharField(required=False, allow_blank=True, max_length=500)
    code_commit = serializers.CharField(required=False, allow_blank=True, max_length=64)
    run_id = serializers.CharField(required=False, allow_blank=True, max_length=100)
    parent_version = serializers.IntegerField(required=False, min_value=1)
    tags = TagsField(required=False)

    def validate_metrics(self, value):
        for key, metric in value.items():
            if isinstance(metric, bool) or not isinstance(metric, (int, float)):
                raise serializers.ValidationError(f"Metric '{key}' must be a number.")
        return value


class VersionUpdateSerializer(VersionInSerializer):
    source_uri = None  # type: ignore[assignment]  # DRF: None removes the inherited field
    parent_version = None  # type: ignore[assignment]


class StageInSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Stage.choices)
    archive_existing = serializers.BooleanField(default=False)


class AliasOutSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name")
    version = serializers.IntegerField(source="version.version")

    class Meta:
        model = ModelAlias
        fields = ["model", "alias", "version", "updated_at"]


class AliasInSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class ApprovalSerializer(serializers.ModelSerializer):
    approver = serializers.CharField(source="approver.username")

    class Meta:
        model = Approval
        fields = ["approver", "decision", "comment", "evidence_hash", "created_at"]


class PromotionRequestOutSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="version.model.name")
    version = serializers.IntegerField(source="version.version")
    requested_by = serializers.CharField(source="requested_by.username")
    decisions = ApprovalSerializer(many=True, read_only=True)

    class Meta:
        model = PromotionRequest
        fields = [
            "id",
            "model",
            "version",
            "kind",
            "alias",
            "status",
            "requested_by",
            "justification",
            "approvals_required",
            "gate_results",
            "gates_passed",
            "gates_evaluated_at",
            "evidence_hash",
            "decisions",
            "created_at",
            "closed_at",
            "closing_note",
        ]


class PromotionRequestInSerializer(serializers.Serializer):
    model = serializers.CharField()
    version = serializers.IntegerField(min_value=1)
    justification = serializers.CharField(max_length=10_000)
    kind = serializers.ChoiceField(choices=RequestKind.choices, default=RequestKind.STAGE)
    alias = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionInSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    evidence_hash = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text="The request's evidence_hash you reviewed: an approval is refused (409) if the evidence changed.",
    )


class DecisionChoiceSerializer(DecisionInSerializer):
    decision = serializers.ChoiceField(choices=Decision.choices)


class WithdrawInSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)


class AuditEventSerializer(serializers.ModelSerializer):
    # Generated columns: without these DRF maps them to strings and answers Python reprs ("{'a': 1}").
    before = serializers.JSONField(read_only=True, allow_null=True)
    after = serializers.JSONField(read_only=True, allow_null=True)
    actor_id = serializers.IntegerField(read_only=True, allow_null=True)  # null: the system acted
    model_id = serializers.IntegerField(read_only=True, allow_null=True)  # null: not about one model

    class Meta:
        model = AuditEvent
        fields = [*HASHED_FIELDS, "hash"]  # exactly what the chain hashes, and the hash

    def to_representation(self, instance: AuditEvent) -> dict:
        # The stored payload is hashed and never changes: a webhook URL is redacted as it is shown, for whoever may
        # not edit webhooks (registry.audit_display).
        data = super().to_representation(instance)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for key in ("before", "after"):
            data[key] = shown_payload(instance.object_type, data[key], user)
        return data


class PolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = PromotionPolicy
        fields = [
            "risk_tier",
            "approvals_required",
            "required_gates",
            "maturity_framework",
            "min_maturity_score",
            "max_assessment_age_days",
            "max_drift_check_age_days",
            "required_card_fields",
            "metric_thresholds",
            "protected_aliases",
            "independence",
            "updated_at",
        ]
