from __future__ import annotations

import importlib.util
from typing import Any

from django.conf import settings
from django.core.validators import validate_email
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from mlops_gov.api.fields import EMAIL, SEGMENT_RULE, CheckedPatternField, ExistingSlugRelatedField, file_uri_pattern
from monitoring import webhooks
from monitoring.domain import CATEGORICAL, NUMERICAL, STAT_TESTS, TEXT
from monitoring.domain.sources import PROTOCOL_PACKAGES, SourceForbidden, parse_uri
from monitoring.models import (
    Alert,
    AlertRule,
    ColumnResult,
    Dataset,
    DatasetImport,
    DatasetKind,
    Delivery,
    DeliveryChannel,
    DriftCheck,
    MonitoringConfig,
    WebhookEndpoint,
)
from monitoring.services import ROUTABLE_EVENTS
from registry.models import RegisteredModel


class _DatasetInSerializer(serializers.Serializer):
    """What an upload and a registration by URI both say: which version, which kind, which columns play a role."""

    model = serializers.CharField(max_length=200)
    version = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=DatasetKind.choices)
    target = serializers.CharField(max_length=255, required=False, allow_blank=True)
    prediction = serializers.CharField(max_length=255, required=False, allow_blank=True)
    id_column = serializers.CharField(max_length=255, required=False, allow_blank=True)
    timestamp_column = serializers.CharField(max_length=255, required=False, allow_blank=True)
    run_check = serializers.BooleanField(default=True)

    @staticmethod
    def roles(data: dict) -> dict[str, str]:
        return {
            "target": data.get("target", ""),
            "prediction": data.get("prediction", ""),
            "id": data.get("id_column", ""),
            "timestamp": data.get("timestamp_column", ""),
        }


class DatasetUploadSerializer(_DatasetInSerializer):
    file = serializers.FileField(allow_empty_file=True)


class DatasetOutSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="version.model.name")
    version = serializers.IntegerField(source="version.version")
    uploaded_by = serializers.CharField(source="uploaded_by.username")

    class Meta:
        model = Dataset
        fields = [
            "id",
            "model",
            "version",
            "kind",
            "name",
            "source_format",
            "sha256",
            "size_bytes",
            "n_rows",
            "n_columns",
            "schema",
            "roles",
            "model_quality",
            "type_mismatches",
            "reference",
            "uploaded_by",
            "created_at",
            "source_uri",
        ]


class CheckInSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=200)
    version = serializers.IntegerField(min_value=1)
    current = serializers.IntegerField(min_value=1, help_text="Id of a current batch of that version.")


class ColumnResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = ColumnResult
        fields = ["column", "kind", "method", "threshold", "score", "detected"]


def _check_import_uri(uri: str) -> None:
    try:
        parse_uri(uri, file_roots=settings.MLOPS_GOV["DATASET_FILE_ROOTS"])
    except SourceForbidden as exc:
        # A well-formed file:// URI that the operator's allow-list refuses: a policy refusal, not a malformed request.
        raise PermissionDenied(str(exc)) from None


# The object-store schemes this server can read (their package is installed), and file:///path/file: which folders
# file:// may read is the operator's allow-list (DATASET_FILE_ROOTS), which a pattern cannot say, so a path outside
# it is a 403 naming the rule.
IMPORT_SCHEMES = sorted(
    scheme
    for scheme, package in PROTOCOL_PACKAGES.items()
    if package is not None and importlib.util.find_spec(package) is not None
)


class DatasetImportInSerializer(_DatasetInSerializer):
    uri = CheckedPatternField(
        file_uri_pattern(
            IMPORT_SCHEMES, container_schemes=[s for s in IMPORT_SCHEMES if s == "abfss"], local_files=True
        ),
        check=_check_import_uri,
        max_length=2000,
        message=f"Give one file as scheme://bucket/path/file.parquet with {SEGMENT_RULE} "
        f"(schemes: {', '.join(f'{s}://' for s in IMPORT_SCHEMES)}, or file:///path/file under the folders the "
        "operator allow-lists); never credentials.",
        help_text=f"One file in an object store ({', '.join(f'{s}://' for s in IMPORT_SCHEMES)}), or file:///path/file "
        "in a folder the operator allow-lists (DATASET_FILE_ROOTS; elsewhere 403); never credentials.",
    )


class DatasetImportOutSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="version.model.name")
    version = serializers.IntegerField(source="version.version")
    requested_by = serializers.CharField(source="requested_by.username")
    poll_url = serializers.SerializerMethodField()

    class Meta:
        model = DatasetImport
        fields = [
            "id",
            "model",
            "version",
            "kind",
            "uri",
            "roles",
            "run_check",
            "status",
            "progress",
            "error",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "dataset",
            "requested_by",
            "poll_url",
        ]

    def get_poll_url(self, obj: DatasetImport) -> str:
        return f"/api/v1/dataset-imports/{obj.pk}/"


class CheckOutSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="version.model.name")
    version = serializers.IntegerField(source="version.version")
    poll_url = serializers.SerializerMethodField()
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = DriftCheck
        fields = [
            "id",
            "model",
            "version",
            "reference",
            "current",
            "status",
            "progress",
            "error",
            "attempts",
            "trigger",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "dataset_drift",
            "drifted_count",
            "column_count",
            "drift_share",
            "drift_share_threshold",
            "config",
            "poll_url",
        ]

    def get_poll_url(self, obj) -> str:
        return f"/api/v1/drift-checks/{obj.pk}/"


class CheckDetailSerializer(CheckOutSerializer):
    columns = ColumnResultSerializer(many=True, read_only=True)

    class Meta(CheckOutSerializer.Meta):
        fields = [*CheckOutSerializer.Meta.fields, "columns", "typing", "data_quality", "model_quality"]


class AlertSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name")
    version = serializers.IntegerField(source="version.version", allow_null=True, default=None)

    class Meta:
        model = Alert
        fields = ["id", "kind", "model", "version", "check_run", "message", "payload", "created_at"]


def _may_see_webhook_urls(serializer: serializers.Serializer) -> bool:
    request = serializer.context.get("request")
    return bool(request and request.user.has_perm("monitoring.change_webhookendpoint"))


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "event",
            "channel",
            "target",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "created_at",
            "delivered_at",
            "alert",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.channel == DeliveryChannel.WEBHOOK and not _may_see_webhook_urls(self):
            data["target"] = webhooks.redacted_url(data["target"])
        return data


def _stat_tests(kind: str | None = None) -> list[str]:
    return sorted(name for name, info in STAT_TESTS.items() if kind is None or kind in info.kinds)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "enum" in schema:  # OpenAPI 3.0: a nullable enum lists null among its values
        schema = {**schema, "enum": [*schema["enum"], None]}
    return {**schema, "nullable": True}


_THRESHOLD = {"type": "number", "minimum": 0}
DRIFT_CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The drift check's settings (monitoring.domain.DriftConfig); keys left out keep their default.",
    "properties": {
        "drift_share": _nullable({"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1}),
        "stattest": _nullable({"type": "string", "enum": _stat_tests()}),
        "num_stattest": _nullable({"type": "string", "enum": _stat_tests(NUMERICAL)}),
        "cat_stattest": _nullable({"type": "string", "enum": _stat_tests(CATEGORICAL)}),
        "text_stattest": _nullable({"type": "string", "enum": _stat_tests(TEXT)}),
        "per_column_stattest": _nullable(
            {"type": "object", "additionalProperties": {"type": "string", "enum": _stat_tests()}}
        ),
        "stattest_threshold": _nullable(_THRESHOLD),
        "num_stattest_threshold": _nullable(_THRESHOLD),
        "cat_stattest_threshold": _nullable(_THRESHOLD),
        "text_stattest_threshold": _nullable(_THRESHOLD),
        "per_column_threshold": _nullable({"type": "object", "additionalProperties": _THRESHOLD}),
        "column_types": _nullable(
            {"type": "object", "additionalProperties": {"type": "string", "enum": [NUMERICAL, CATEGORICAL, TEXT]}}
        ),
        "typing_from": _nullable({"type": "string", "enum": ["current", "reference"]}),
        "timestamp": _nullable({"type": "string", "minLength": 1}),
        "seed": _nullable({"type": "integer", "minimum": 0, "maximum": 2**32 - 1}),
    },
    "additionalProperties": False,
}


@extend_schema_field(DRIFT_CONFIG_SCHEMA)
class DriftConfigField(serializers.JSONField):
    """The drift configuration; the service checks it (monitoring.domain.DriftConfig) and says what is wrong."""


@extend_schema_field({"type": "object", "additionalProperties": {"type": "number", "minimum": 0}})
class ThresholdsField(serializers.JSONField):
    """Quality thresholds: metric -> allowed relative degradation (the service refuses anything else)."""


class ConfigSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name", read_only=True)
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)  # null: the defaults, never saved
    quality_thresholds = ThresholdsField(
        required=False, help_text='Allowed relative degradation per metric, e.g. {"accuracy": 0.05}; default 0.1.'
    )
    drift_config = DriftConfigField(required=False, help_text='e.g. {"drift_share": 0.3}')

    class Meta:
        model = MonitoringConfig
        fields = ["model", "drift_config", "quality_thresholds", "check_on_upload", "stale_after_hours", "updated_at"]
        read_only_fields = ["updated_at"]


# --- alert routing --------------------------------------------------------------------------------------------------


def _addressable(value: str) -> None:
    if "/" in value:
        raise serializers.ValidationError("A name cannot contain '/' (it is part of the URL).")


class WebhookEndpointOutSerializer(serializers.ModelSerializer):
    has_secret = serializers.BooleanField(read_only=True, help_text="The secret itself is never returned.")

    # Text, not a URI: shown whole to those who may edit webhooks, others see "scheme://host/…" (not a valid URI).
    url = serializers.CharField(help_text="Shown whole to those who may edit webhooks; others see scheme://host/…")

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "enabled", "has_secret", "created_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not _may_see_webhook_urls(self):
            data["url"] = webhooks.redacted_url(data["url"])
        return data


class WebhookEndpointInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, validators=[_addressable])
    url = serializers.URLField(
        max_length=500, help_text="http(s); internal addresses are refused unless an operator allow-listed them."
    )
    secret = serializers.CharField(
        max_length=200,
        write_only=True,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Shared secret of the X-MLOps-Gov-Signature HMAC. Write-only; leave it out to keep the current one.",
    )
    enabled = serializers.BooleanField(required=False)

    def validate_secret(self, value: str) -> str:
        # Kept as typed (spaces inside a secret are the sender's business), but a secret of spaces alone is none.
        if not value.strip():
            raise serializers.ValidationError("The secret cannot be blank or spaces only.")
        return value


class AlertRuleOutSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name", allow_null=True, default=None)
    webhook = serializers.CharField(source="webhook.name", allow_null=True, default=None)
    events = serializers.ListField(child=serializers.CharField())
    emails = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = AlertRule
        fields = ["id", "name", "model", "events", "webhook", "emails", "enabled"]


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": list(ROUTABLE_EVENTS)}, "minItems": 1})
class EventsField(serializers.ListField):
    """Event names; the service refuses an unknown one with the list of those it knows."""


class AlertRuleInSerializer(serializers.Serializer):
    # A rule sends somewhere: a webhook or at least one e-mail address. A partial update naming both cannot empty
    # both; one that empties one of them while the stored rule has nothing else is a 409 (the service).
    request_schema_extra = {
        "anyOf": [
            {"properties": {"webhook": {"type": "string"}}, "required": ["webhook"]},
            {"properties": {"emails": {"type": "array", "minItems": 1}}, "required": ["emails"]},
        ]
    }
    partial_request_schema_extra = {
        "not": {
            "properties": {"webhook": {"not": {"type": "string"}}, "emails": {"type": "array", "maxItems": 0}},
            "required": ["webhook", "emails"],
        }
    }
    name = serializers.CharField(max_length=100, validators=[_addressable])
    model = ExistingSlugRelatedField(
        slug_field="name",
        queryset=RegisteredModel.objects.all(),
        required=False,
        allow_null=True,
        help_text="Only this model's events; null for every model (registry events without a model included).",
    )
    events = EventsField(
        child=serializers.CharField(max_length=64),
        min_length=1,
        help_text=f"Any of: {', '.join(ROUTABLE_EVENTS)}.",
    )
    webhook = ExistingSlugRelatedField(
        slug_field="name", queryset=WebhookEndpoint.objects.all(), required=False, allow_null=True
    )
    emails = serializers.ListField(
        child=CheckedPatternField(
            EMAIL, check=validate_email, max_length=254, message="Give an e-mail address like ml-oncall@example.org."
        ),
        required=False,
    )
    enabled = serializers.BooleanField(required=False)
