from django import forms

from registry.choices import RiskTier, Stage


class ModelFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    stage = forms.ChoiceField(required=False, choices=[("", "Any stage"), *Stage.choices])
    risk_tier = forms.ChoiceField(required=False, choices=[("", "Any risk tier"), *RiskTier.choices])


class PromotionRequestForm(forms.Form):
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)


class AsOfForm(forms.Form):
    as_of = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class AuditFilterForm(forms.Form):
    model = forms.CharField(required=False, max_length=200)
    actor = forms.CharField(required=False, max_length=150)
    action = forms.CharField(required=False, max_length=64, help_text="e.g. promotion. or version.stage_changed")
    since = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    until = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
