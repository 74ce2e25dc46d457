from __future__ import annotations

from django import forms

from monitoring.models import DatasetKind
from registry.models import ModelVersion


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ModelVersion) -> str:
        return f"{obj.model.name} v{obj.version} ({obj.stage})"


class UploadForm(forms.Form):
    version = VersionChoiceField(
        queryset=ModelVersion.objects.select_related("model").order_by("model__name", "-version")
    )
    kind = forms.ChoiceField(choices=DatasetKind.choices)
    file = forms.FileField(help_text="CSV (UTF-8, optionally gzip or zip) or Parquet.")
    target = forms.CharField(max_length=255, required=False, label="Target column")
    prediction = forms.CharField(max_length=255, required=False, label="Prediction column")
    id_column = forms.CharField(max_length=255, required=False, label="Id column")
    timestamp_column = forms.CharField(max_length=255, required=False, label="Timestamp column")

    def roles(self) -> dict[str, str]:
        d = self.cleaned_data
        return {
            "target": d["target"],
            "prediction": d["prediction"],
            "id": d["id_column"],
            "timestamp": d["timestamp_column"],
        }
