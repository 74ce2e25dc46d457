from __future__ import annotations

from django import forms
from django.utils.translation import gettext, gettext_lazy

from monitoring.models import DatasetKind
from registry.models import ModelVersion


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ModelVersion) -> str:
        return f"{obj.model.name} v{obj.version} ({str(obj.get_stage_display()).lower()})"


class UploadForm(forms.Form):
    version = VersionChoiceField(
        queryset=ModelVersion.objects.select_related("model").order_by("model__name", "-version"),
        label=gettext_lazy("Version"),
    )
    kind = forms.ChoiceField(choices=DatasetKind.choices, label=gettext_lazy("Kind"))
    file = forms.FileField(
        required=False,
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8, optionally gzip or zip) or Parquet."),
    )
    uri = forms.CharField(
        max_length=2000,
        required=False,
        label=gettext_lazy("Or where it lives (URI)"),
        help_text=gettext_lazy(
            "s3://bucket/path/batch.parquet (also gs://, abfss://, or an allow-listed file:// path). A worker "
            "reads it with the servers' own credentials: never put credentials in the URI."
        ),
    )
    target = forms.CharField(max_length=255, required=False, label=gettext_lazy("Target column"))
    prediction = forms.CharField(max_length=255, required=False, label=gettext_lazy("Prediction column"))
    id_column = forms.CharField(max_length=255, required=False, label=gettext_lazy("Id column"))
    timestamp_column = forms.CharField(max_length=255, required=False, label=gettext_lazy("Timestamp column"))

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if bool(cleaned.get("file")) == bool(cleaned.get("uri")):
            raise forms.ValidationError(
                gettext("Choose a file to upload or give the URI where the data lives (one of them).")
            )
        return cleaned

    def roles(self) -> dict[str, str]:
        d = self.cleaned_data
        return {
            "target": d["target"],
            "prediction": d["prediction"],
            "id": d["id_column"],
            "timestamp": d["timestamp_column"],
        }
