"""Helpers every registry service shares: editable fields, audit snapshots, permission and validation checks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms.models import model_to_dict

from mlops_gov.errors import PermissionError_
from registry.domain.uris import InvalidSourceUri, validate_source_uri

MODEL_EDITABLE = ("description", "owner", "team", "risk_tier", "business_goal", "success_kpi", "tags")
VERSION_EDITABLE = (
    "description",
    "framework",
    "parameters",
    "metrics",
    "input_signature",
    "training_dataset",
    "code_repository",
    "code_commit",
    "run_id",
    "artifact_sha256",
    "tags",
)
RISK_ORDER = {tier: rank for rank, tier in enumerate(("low", "medium", "high", "critical"))}
# Evidence a decision rests on: frozen once the version is in production or archived.
VERSION_EVIDENCE = ("metrics", "parameters", "input_signature", "artifact_sha256", "source_uri")


# --- snapshots for the audit trail ----------------------------------------------------------------------------------


def snapshot(obj: Model, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
    data = model_to_dict(obj, fields=fields)
    return {key: (value.pk if hasattr(value, "pk") else value) for key, value in data.items()}


def require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionError_(message)


def full_clean(obj: Model, exclude: list[str] | None = None) -> None:
    """Field validation and uniqueness; database constraints are left to the database (checked on save)."""
    obj.full_clean(exclude=exclude, validate_unique=True, validate_constraints=False)


def validate_source(uri: str) -> str:
    try:
        return validate_source_uri(uri, allowed_schemes=settings.MLOPS_GOV["SOURCE_URI_SCHEMES"])
    except InvalidSourceUri as exc:
        raise ValidationError({"source_uri": [str(exc)]}) from None
