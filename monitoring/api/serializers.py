from __future__ import annotations

from rest_framework import serializers

from monitoring.models import Alert, ColumnResult, Dataset, DatasetKind, Delivery, DriftCheck, MonitoringConfig


class DatasetUploadSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=200)
    version = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=DatasetKind.choices)
    file = serializers.FileField(allow_empty_file=True)
    target = serializers.CharField(max_length=255, required=False, allow_blank=True)
    prediction = serializers.CharField(max_length=255, required=False, allow_blank=True)
    id_column = serializers.CharField(max_length=255, required=False, allow_blank=True)
    timestamp_column = serializers.CharField(max_length=255, required=False, allow_blank=True)
    run_check = serializers.BooleanField(default=True)


class DatasetOutSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="version.model.name")
    version = serializers.IntegerField(source="version.version")
    uploaded_by = serializers.CharField(source="uploaded_by.username")

    class Meta:
        model = Dataset
        fields = [
            "id", "model", "version", "kind", "name", "source_format", "sha256", "size_bytes", "n_rows", "n_columns",
            "schema", "roles", "model_quality", "type_mismatches", "reference", "uploaded_by", "created_at",
        ]  # fmt: skip


class CheckInSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=200)
    version = serializers.IntegerField(min_value=1)
    current = serializers.IntegerField(min_value=1, help_text="Id of a current batch of that version.")


class ColumnResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = ColumnResult
        fields = ["column", "kind", "method", "threshold", "score", "detected"]


class CheckOutSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="version.model.name")
    version = serializers.IntegerField(source="version.version")
    poll_url = serializers.SerializerMethodField()
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = DriftCheck
        fields = [
            "id", "model", "version", "reference", "current", "status", "progress", "error", "attempts", "trigger",
            "created_at", "started_at", "finished_at", "duration_seconds", "dataset_drift", "drifted_count",
            "column_count", "drift_share", "drift_share_threshold", "config", "poll_url",
        ]  # fmt: skip

    def get_poll_url(self, obj) -> str:
        return f"/api/v1/drift-checks/{obj.pk}/"


class CheckDetailSerializer(CheckOutSerializer):
    columns = ColumnResultSerializer(many=True, read_only=True)

    class Meta(CheckOutSerializer.Meta):
        fields = [*CheckOutSerializer.Meta.fields, "columns", "data_quality", "model_quality"]


class AlertSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name")
    version = serializers.IntegerField(source="version.version", allow_null=True, default=None)

    class Meta:
        model = Alert
        fields = ["id", "kind", "model", "version", "check_run", "message", "payload", "created_at"]


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = ["id", "event", "channel", "target", "status", "attempts", "response_status", "last_error",
                  "created_at", "delivered_at", "alert"]  # fmt: skip


class ConfigSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name", read_only=True)

    class Meta:
        model = MonitoringConfig
        fields = ["model", "drift_config", "quality_thresholds", "check_on_upload", "stale_after_hours", "updated_at"]
        read_only_fields = ["updated_at"]
