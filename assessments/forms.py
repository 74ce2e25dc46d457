from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import Q

from assessments.models import Framework
from registry.models import ModelVersion, RegisteredModel


class StartAssessmentForm(forms.Form):
    """Start an assessment of one of the user's team's models."""

    model = forms.ModelChoiceField(queryset=RegisteredModel.objects.none())
    framework = forms.ModelChoiceField(queryset=Framework.objects.none(), to_field_name="slug")
    version = forms.IntegerField(required=False, min_value=1, help_text="Optional: the version assessed.")
    notes = forms.CharField(required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        models = RegisteredModel.objects.none()
        if user is not None and user.is_authenticated and user.has_perm("assessments.add_assessment"):
            models = RegisteredModel.objects.filter(Q(owner=user) | Q(team__members=user)).distinct().order_by("name")
        cast(forms.ModelChoiceField, self.fields["model"]).queryset = models
        cast(forms.ModelChoiceField, self.fields["framework"]).queryset = Framework.objects.filter(
            is_current=True
        ).order_by("slug")
        self.fields["framework"].initial = "lifecycle"
        self.has_models = models.exists()

    def clean(self):
        super().clean()
        data = self.cleaned_data
        number, model = data.get("version"), data.get("model")
        data["version_obj"] = None
        if number and model is not None:
            version = ModelVersion.objects.filter(model=model, version=number).first()
            if version is None:
                raise forms.ValidationError(f"{model.name} has no version {number}.")
            data["version_obj"] = version
        return data
