from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assessments.localise import framework_name
from assessments.models import Framework
from mlops_gov.actors import Viewer
from registry.models import ModelVersion, RegisteredModel


class FrameworkChoiceField(forms.ModelChoiceField):
    """Frameworks named in the reader's language."""

    def label_from_instance(self, obj: Framework) -> str:
        return f"{framework_name(obj.definition)} (v{obj.version})"


class StartAssessmentForm(forms.Form):
    """Start an assessment of one of the user's team's models."""

    model = forms.ModelChoiceField(
        queryset=RegisteredModel.objects.none(),
        label=_("Model"),
        error_messages={"invalid_choice": _("Choose one of your team's models.")},
    )
    framework = FrameworkChoiceField(
        queryset=Framework.objects.none(),
        to_field_name="slug",
        label=_("Framework"),
        error_messages={"invalid_choice": _("Choose one of the current frameworks.")},
    )
    version = forms.IntegerField(
        required=False, min_value=1, label=_("Version (optional)"), help_text=_("The version assessed, if one.")
    )
    notes = forms.CharField(required=False, max_length=4000, label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user: Viewer | None = None, **kwargs):
        kwargs.setdefault("auto_id", "start_%s")  # it shares the list page with the filter bar's "model" field
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
                missing = _("%(model)s has no version %(number)s.") % {"model": model.name, "number": number}
                self.add_error("version", missing)
            data["version_obj"] = version
        return data
