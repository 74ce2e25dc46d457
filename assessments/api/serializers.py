from __future__ import annotations

from rest_framework import serializers

from assessments.models import Answer, Assessment, Framework, Measurement, Observation


class FrameworkOutSerializer(serializers.ModelSerializer):
    question_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Framework
        fields = [
            "slug",
            "version",
            "name",
            "edition",
            "method",
            "is_current",
            "builtin",
            "question_count",
            "sha256",
            "created_at",
        ]


class FrameworkDetailSerializer(FrameworkOutSerializer):
    class Meta(FrameworkOutSerializer.Meta):
        fields = [*FrameworkOutSerializer.Meta.fields, "definition"]


class AnswerOutSerializer(serializers.ModelSerializer):
    question = serializers.CharField(source="question_id")
    answered_by = serializers.CharField(source="answered_by.username")

    class Meta:
        model = Answer
        fields = [
            "question",
            "value",
            "not_applicable",
            "justification",
            "evidence_url",
            "evidence_note",
            "answered_by",
            "updated_at",
        ]


class FrameworkRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    version = serializers.IntegerField()
    name = serializers.CharField()


class AssessmentOutSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name")
    model_version = serializers.IntegerField(source="model_version.version", allow_null=True, default=None)
    framework = FrameworkRefSerializer()
    created_by = serializers.CharField(source="created_by.username")
    submitted_by = serializers.CharField(source="submitted_by.username", allow_null=True, default=None)
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "model",
            "model_version",
            "framework",
            "status",
            "notes",
            "created_by",
            "created_at",
            "submitted_by",
            "submitted_at",
            "score",
            "label",
            "progress",
        ]

    def get_progress(self, obj) -> dict:
        answered = getattr(obj, "answer_count", None)
        if answered is None:
            answered = obj.answers.count()
        return {"answered": answered, "total": obj.framework.question_count}


class AssessmentDetailSerializer(AssessmentOutSerializer):
    answers = AnswerOutSerializer(many=True, read_only=True)

    class Meta(AssessmentOutSerializer.Meta):
        fields = [*AssessmentOutSerializer.Meta.fields, "answers"]


class AssessmentInSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=200)
    framework = serializers.SlugField(max_length=50, default="lifecycle")
    model_version = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    notes = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class AnswerInSerializer(serializers.Serializer):
    question = serializers.CharField()
    value = serializers.FloatField(required=False, allow_null=True)
    not_applicable = serializers.BooleanField(required=False)
    justification = serializers.CharField(required=False, allow_blank=True)
    evidence_url = serializers.CharField(required=False, allow_blank=True)
    evidence_note = serializers.CharField(required=False, allow_blank=True)
    clear = serializers.BooleanField(required=False)


class AnswersInSerializer(serializers.Serializer):
    """Documentation of the bulk body; the service validates each item against the framework version."""

    answers = AnswerInSerializer(many=True)


class ObservationOutSerializer(serializers.ModelSerializer):
    question = serializers.CharField(source="question_id")
    evidence = serializers.JSONField()

    class Meta:
        model = Observation
        fields = ["question", "rule", "rule_version", "status", "value", "detail", "evidence", "observed_at"]


class MeasurementOutSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name", allow_null=True, default=None)
    model_version = serializers.IntegerField(source="model_version.version", allow_null=True, default=None)
    framework = serializers.CharField(source="framework.slug")
    framework_version = serializers.IntegerField(source="framework.version")
    portfolio = serializers.BooleanField(source="is_portfolio")

    class Meta:
        model = Measurement
        fields = [
            "id",
            "model",
            "model_version",
            "portfolio",
            "framework",
            "framework_version",
            "trigger",
            "measured_at",
            "score",
            "label",
            "observed",
            "observable",
        ]


class MeasurementDetailSerializer(MeasurementOutSerializer):
    observations = ObservationOutSerializer(many=True, read_only=True)
    declared_score = serializers.SerializerMethodField()

    class Meta(MeasurementOutSerializer.Meta):
        fields = [*MeasurementOutSerializer.Meta.fields, "declared_score", "observations", "result"]

    def get_declared_score(self, obj: Measurement) -> float | None:
        """The score of the model's latest submitted questionnaire of the same framework (None for the portfolio)."""
        from assessments.selectors import latest_submitted

        if obj.model is None:
            return None
        latest = latest_submitted(model=obj.model, framework_slug=obj.framework.slug)
        return latest.score if latest is not None else None
