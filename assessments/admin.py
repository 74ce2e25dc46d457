"""Assessments admin: frameworks are uploaded as files (validated, every error listed, versioned through the
service); assessments and answers are read-only here (they change only through the questionnaire and API)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _

from assessments import services
from assessments.domain.schema import validate_framework
from assessments.models import Answer, Assessment, Framework, Measurement, Observation


class FrameworkUploadForm(forms.ModelForm):
    file = forms.FileField(help_text="A framework file (YAML or JSON) in the format of assessments/frameworks/.")

    class Meta:
        model = Framework
        fields: list[str] = []

    def clean_file(self):
        upload = self.cleaned_data["file"]
        content = upload.read(services.MAX_FRAMEWORK_BYTES + 1)
        try:
            document = services.parse_framework_text(content, upload.name)
        except services.FrameworkInvalid as exc:
            raise forms.ValidationError(exc.errors) from None
        errors = validate_framework(document, services.installed_rules())
        if errors:
            raise forms.ValidationError([f"{upload.name}: {e}" for e in errors])
        self.document = document
        return upload


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = ["slug", "version", "name", "edition", "method", "is_current", "builtin", "created_at"]
    list_filter = ["is_current", "builtin", "method"]
    search_fields = ["slug", "name"]
    readonly_fields = [
        "slug",
        "version",
        "name",
        "edition",
        "method",
        "is_current",
        "builtin",
        "sha256",
        "source_name",
        "created_at",
        "definition",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = FrameworkUploadForm
            kwargs["fields"] = ["file"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["file"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False  # a framework version never changes; upload a new file instead

    def has_delete_permission(self, request, obj=None):
        return False  # assessments keep the version they were answered against

    def save_model(self, request, obj, form, change):
        framework, created = services.framework_load(
            document=form.document, actor=request.user, source_name=form.cleaned_data["file"].name
        )
        obj.pk, obj.slug, obj.version, obj.name = framework.pk, framework.slug, framework.version, framework.name
        if not created:
            self.message_user(
                request,
                _("Unchanged: the file is identical to %(framework)s.")
                % {"framework": f"{framework.slug} v{framework.version}"},
                messages.INFO,
            )

    def save_related(self, request, form, formsets, change):
        pass


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "question_id",
        "value",
        "not_applicable",
        "justification",
        "evidence_url",
        "evidence_note",
        "answered_by",
        "updated_at",
    )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["id", "model", "framework", "status", "score", "label", "created_by", "submitted_at"]
    list_filter = ["status", "framework__slug"]
    search_fields = ["model__name", "label"]
    list_select_related = ["model", "framework", "created_by"]
    inlines = [AnswerInline]
    readonly_fields = [
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
        "result",
        "measurement",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ObservationInline(admin.TabularInline):
    model = Observation
    extra = 0
    can_delete = False
    fields = readonly_fields = (
        "question_id",
        "rule",
        "rule_version",
        "status",
        "value",
        "detail",
        "evidence",
        "observed_at",
    )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    """Measurements are evidence: written only by the measuring service (daily, on submission, CLI), never edited."""

    list_display = ["id", "model", "framework", "trigger", "measured_at", "score", "label", "observed"]
    list_filter = ["trigger", "framework__slug"]
    search_fields = ["model__name"]
    list_select_related = ["model", "framework"]
    inlines = [ObservationInline]
    readonly_fields = [
        "model",
        "model_version",
        "framework",
        "trigger",
        "measured_at",
        "score",
        "label",
        "observed",
        "observable",
        "result",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
