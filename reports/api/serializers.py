from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from reports.choices import ReportKind, ReportVariant
from reports.models import GovernanceReport


class ReportInSerializer(serializers.Serializer):
    # A model report (the default kind) names its model; a portfolio report says its kind. (Patterns, not enums:
    # drf-spectacular would turn these one-value enums into components.)
    request_schema_extra = {
        "oneOf": [
            {"properties": {"kind": {"type": "string", "pattern": f"^{ReportKind.MODEL}$"}}, "required": ["model"]},
            {"properties": {"kind": {"type": "string", "pattern": f"^{ReportKind.PORTFOLIO}$"}}, "required": ["kind"]},
        ]
    }
    kind = serializers.ChoiceField(choices=ReportKind.choices, default=ReportKind.MODEL)
    model = serializers.CharField(max_length=200, required=False, help_text="Registered model name (model reports).")
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="Version number; the production version when omitted."
    )
    variant = serializers.ChoiceField(choices=ReportVariant.choices, default=ReportVariant.PDF_A)
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES],
        required=False,
        help_text="The report's language; the request's language (Accept-Language, your saved choice) when omitted.",
    )

    def validate(self, attrs):
        if attrs["kind"] == ReportKind.MODEL and not attrs.get("model"):
            raise serializers.ValidationError({"model": ["Name the model the report is about."]})
        return attrs


class ReportOutSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by_name", read_only=True)

    class Meta:
        model = GovernanceReport
        fields = [
            "id",
            "kind",
            "title",
            "model_name",
            "version_number",
            "variant",
            "language",
            "trigger",
            "status",
            "progress",
            "error",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "sha256",
            "size_bytes",
            "chain_sequence",
            "chain_hash",
            "chain_verified",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: GovernanceReport) -> str | None:
        return reverse("reports-api:report-download", kwargs={"pk": obj.pk}) if obj.file else None
