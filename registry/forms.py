from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mlops_gov.actors import Actor
from registry.choices import MODEL_CARD_FIELDS, MODEL_CARD_LABELS, RiskTier, Stage
from registry.models import ModelCard, ModelVersion, RegisteredModel, Team, alias_validator


class PromotionRequestForm(forms.Form):
    justification = forms.CharField(
        label=gettext_lazy("Justification"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=gettext_lazy("Why should this version go to production? Approvers read this first."),
        error_messages={"required": gettext_lazy("Say why this version should be promoted.")},
    )


class AliasRequestForm(PromotionRequestForm):
    alias = forms.ChoiceField(choices=(), label=gettext_lazy("Protected alias"))

    def __init__(self, *args: Any, protected: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["alias"]).choices = [(a, a) for a in protected]
        self.fields["justification"].help_text = _("Why should this alias point to this version? Approvers read this.")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=gettext_lazy("What you checked, or why you reject: the requester and the auditors read it."),
    )
    # The evidence the page showed: an approval is refused if it changed meanwhile (registry.services.evidence).
    evidence_hash = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class AsOfForm(forms.Form):
    as_of = forms.DateTimeField(
        required=False,
        label=gettext_lazy("As of"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=gettext_lazy("Which version was in production, and where each alias pointed, at that moment."),
    )


# --- key/value rows -------------------------------------------------------------------------------------------------

BLANK_ROWS = 3


class KeyValueWidget(forms.Widget):
    """Rows of key and value inputs (``<name>-key`` / ``<name>-value``), a few blank ones to add to."""

    template_name = "registry/widgets/key_value.html"
    use_fieldset = True  # the field's label becomes the legend of its rows

    def __init__(self, noun: Any = "Entry", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.noun = noun

    def value_from_datadict(self, data, files, name: str) -> list[tuple[str, str]]:
        keys = data.getlist(f"{name}-key") if hasattr(data, "getlist") else []
        values = data.getlist(f"{name}-value") if hasattr(data, "getlist") else []
        values = values + [""] * (len(keys) - len(values))
        return list(zip(keys, values, strict=False))

    def value_omitted_from_data(self, data, files, name: str) -> bool:
        return f"{name}-key" not in data

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if isinstance(value, dict):
            rows = [(str(k), _display(v)) for k, v in value.items()]
        elif isinstance(value, (list, tuple)):
            rows = [(str(k), str(v)) for k, v in value if str(k).strip() or str(v).strip()]
        else:
            rows = []
        rows += [("", "")] * BLANK_ROWS
        context["widget"]["rows"] = [{"n": i + 1, "key": k, "value": v} for i, (k, v) in enumerate(rows)]
        context["widget"]["noun"] = self.noun
        return context


def _display(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return value if isinstance(value, str) else json.dumps(value)


class KeyValueField(forms.Field):
    """A JSON object typed as rows of key and value. ``numbers=True`` requires every value to be a number."""

    def __init__(self, *, noun: Any = "Entry", numbers: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", KeyValueWidget(noun=noun))
        super().__init__(**kwargs)
        self.noun, self.numbers = noun, numbers

    def to_python(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        result: dict[str, Any] = {}
        errors: list[str] = []
        for key, raw in value or []:
            key, raw = str(key).strip(), str(raw).strip()
            if not key and not raw:
                continue
            if not key:
                errors.append(
                    _("%(noun)s value '%(raw)s' has no name: give it a name or clear the row.")
                    % {"noun": self.noun, "raw": raw}
                )
                continue
            if key in result:
                errors.append(
                    _("%(noun)s '%(key)s' is given twice: keep one row per name.") % {"noun": self.noun, "key": key}
                )
                continue
            if self.numbers:
                try:
                    number = float(raw)
                except ValueError:
                    errors.append(
                        _("%(noun)s '%(key)s' must be a number (got '%(raw)s').")
                        % {"noun": self.noun, "key": key, "raw": raw}
                    )
                    continue
                if number != number or number in (float("inf"), float("-inf")):
                    errors.append(_("%(noun)s '%(key)s' must be a finite number.") % {"noun": self.noun, "key": key})
                    continue
                result[key] = int(number) if raw.lstrip("+-").isdigit() else number
            else:
                result[key] = raw
        if errors:
            raise ValidationError(errors)
        return result


class JSONObjectField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return json.dumps(value, indent=2) if value else ""
        return value

    def clean(self, value: Any) -> dict[str, Any]:
        text = super().clean(value)
        if not text.strip():
            return {}
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                _("This is not valid JSON (%(msg)s at line %(line)d, column %(column)d).")
                % {"msg": exc.msg, "line": exc.lineno, "column": exc.colno}
            ) from None
        if not isinstance(parsed, dict):
            raise ValidationError(_('Give a JSON object, e.g. {"age": "integer", "income": "float"}.'))
        return parsed


# --- authoring ------------------------------------------------------------------------------------------------------


def user_teams(user: Actor) -> Any:
    return Team.objects.all() if user.is_superuser else Team.objects.filter(members=user)


class ModelForm(forms.Form):
    """Register a model (and, without ``name``, edit one): the fields the registry service accepts."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=200,
        help_text=gettext_lazy("Letters, digits, spaces, '.', '_' or '-'; unique in the registry."),
        validators=RegisteredModel._meta.get_field("name").validators,
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        queryset=Team.objects.none(),
        help_text=gettext_lazy("The team that owns and answers for the model."),
    )
    risk_tier = forms.ChoiceField(
        label=gettext_lazy("Risk tier"),
        choices=RiskTier.choices,
        initial=RiskTier.MEDIUM,
        help_text=gettext_lazy(
            "Sets the promotion policy: the gates and number of approvals a move to production needs."
        ),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=100_000
    )
    business_goal = forms.CharField(
        label=gettext_lazy("Business goal"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=10_000,
        help_text=gettext_lazy("The business problem this model serves."),
    )
    success_kpi = forms.CharField(
        label=gettext_lazy("Success KPI"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=10_000,
        help_text=gettext_lazy("How success is measured in the business."),
    )
    tags = KeyValueField(label=gettext_lazy("Tags"), noun=gettext_lazy("Tag"))

    def __init__(self, *args: Any, user: Actor, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team = cast(forms.ModelChoiceField, self.fields["team"])
        team.queryset = user_teams(user)
        if editing:
            del self.fields["name"]
            team.required = False
        elif not team.queryset.exists():
            self.fields["team"].help_text = _("You are in no team yet: ask an administrator to add you to one.")

    @classmethod
    def initial_for(cls, model: RegisteredModel) -> dict[str, Any]:
        return {
            "team": model.team_id,
            "risk_tier": model.risk_tier,
            "description": model.description,
            "business_goal": model.business_goal,
            "success_kpi": model.success_kpi,
            "tags": model.tags,
        }


class VersionForm(forms.Form):
    """Add a version (and, with ``editing``, change what may still change)."""

    source_uri = forms.CharField(
        label=gettext_lazy("Source URI"),
        max_length=2048,
        help_text=gettext_lazy("Where the artifact lives, e.g. s3://bucket/path or runs:/<id>/."),
    )
    run_id = forms.CharField(
        label=gettext_lazy("Run id"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("The training run, if any."),
    )
    parent = forms.ModelChoiceField(
        queryset=ModelVersion.objects.none(),
        required=False,
        label=gettext_lazy("Derived from"),
        help_text=gettext_lazy("The version it builds on."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=100_000
    )
    framework = forms.CharField(
        label=gettext_lazy("Framework"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("e.g. scikit-learn 1.5, xgboost 2.0."),
    )
    artifact_sha256 = forms.RegexField(
        label=gettext_lazy("Artifact SHA-256"),
        regex=r"^[0-9a-f]{64}$",
        required=False,
        error_messages={"invalid": gettext_lazy("Give the SHA-256 as 64 lower-case hexadecimal characters.")},
    )
    code_repository = forms.CharField(
        label=gettext_lazy("Code repository"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Code lineage: the repository URL."),
    )
    code_commit = forms.CharField(
        label=gettext_lazy("Code commit"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("Code lineage: the commit it was built from"),
    )
    training_dataset = forms.CharField(
        label=gettext_lazy("Training dataset"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Data lineage: the dataset (URI or name@version) it was trained on."),
    )
    metrics = KeyValueField(
        label=gettext_lazy("Metrics"),
        noun=gettext_lazy("Metric"),
        numbers=True,
        help_text=gettext_lazy("Evaluation metrics, e.g. auc = 0.91."),
    )
    parameters = KeyValueField(
        label=gettext_lazy("Parameters"),
        noun=gettext_lazy("Parameter"),
        help_text=gettext_lazy("Training parameters, e.g. max_depth = 6."),
    )
    input_signature = JSONObjectField(
        label=gettext_lazy("Input signature"),
        help_text=gettext_lazy(
            'The input columns and types as a JSON object, e.g. {"age": "integer", "income": "float"}.'
        ),
    )
    tags = KeyValueField(label=gettext_lazy("Tags"), noun=gettext_lazy("Tag"))

    def __init__(self, *args: Any, model: RegisteredModel, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parent = cast(forms.ModelChoiceField, self.fields["parent"])
        parent.queryset = model.versions.order_by("-version")
        # Django documents relabelling choices by replacing label_from_instance; the stubs see a method.
        parent.label_from_instance = lambda v: f"v{v.version} ({v.get_stage_display()})"  # type: ignore[method-assign,assignment]
        if editing:
            del self.fields["source_uri"]
            del self.fields["parent"]

    @classmethod
    def initial_for(cls, version: ModelVersion) -> dict[str, Any]:
        return {name: getattr(version, name) for name in cls.base_fields if name not in ("source_uri", "parent")}


CARD_HELP = {
    "intended_use": gettext_lazy("What the model is for, and who uses its output."),
    "out_of_scope_use": gettext_lazy("Uses it must not be put to."),
    "training_data": gettext_lazy("Which data it was trained on, and how it was prepared."),
    "evaluation_data": gettext_lazy("Which data it was evaluated on, and why that data."),
    "metrics": gettext_lazy("How it was evaluated and what it scored."),
    "ethical_considerations": gettext_lazy("Groups it could harm, fairness checks made."),
    "caveats": gettext_lazy("Known limits and recommendations."),
}


class CardForm(forms.ModelForm):
    class Meta:
        model = ModelCard
        fields = list(MODEL_CARD_FIELDS)
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in MODEL_CARD_FIELDS}
        help_texts = CARD_HELP
        labels = MODEL_CARD_LABELS


class StageMoveForm(forms.Form):
    target = forms.ChoiceField(label=gettext_lazy("Target"), choices=Stage.choices)


class AliasForm(forms.Form):
    alias = forms.CharField(
        label=gettext_lazy("Alias"),
        max_length=64,
        validators=[alias_validator],
        help_text=gettext_lazy("Lower-case letters, digits, '_' or '-', starting with a letter; e.g. challenger."),
    )
