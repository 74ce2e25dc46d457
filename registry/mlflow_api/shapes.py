"""Registry rows -> MLflow JSON entities (proto3 JSON: version as a string, ms timestamps, empty lists omitted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from registry.choices import Stage

STAGE_TO_MLFLOW = {
    Stage.NONE: "None",
    Stage.STAGING: "Staging",
    Stage.PRODUCTION: "Production",
    Stage.ARCHIVED: "Archived",
}
MLFLOW_TO_STAGE = {label.lower(): value for value, label in STAGE_TO_MLFLOW.items()}


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def millis(value: datetime | None) -> int:
    """Exact floor to milliseconds (the same integer the database computes in ``selectors.EpochMillis``)."""
    return (value - _EPOCH) // _MS if value is not None else 0


def _ms(row, name: str) -> int:
    value = getattr(row, f"{name}_ms", None)
    return value if value is not None else millis(getattr(row, f"{name}_at", None))


def tag_list(tags: Any) -> list[dict[str, str]]:
    if not isinstance(tags, dict):
        return []
    return [{"key": str(k), "value": v if isinstance(v, str) else _text(v)} for k, v in sorted(tags.items())]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    return str(value)


def model_version(version, *, model_name: str, aliases: list[str] | None = None) -> dict[str, Any]:
    """``version``: a ModelVersion, or a row with the same names and ``created_ms``/``updated_ms``."""
    data: dict[str, Any] = {
        "name": model_name,
        "version": str(version.version),
        "creation_timestamp": _ms(version, "created"),
        "last_updated_timestamp": _ms(version, "updated"),
        "current_stage": STAGE_TO_MLFLOW.get(version.stage, "None"),
        "description": version.description or "",
        "source": version.source_uri,
        "run_id": version.run_id or "",
        "status": "READY",
        "run_link": "",
    }
    tags = tag_list(version.tags)
    if tags:
        data["tags"] = tags
    if aliases:
        data["aliases"] = sorted(aliases)
    return data


def registered_model(
    model,
    *,
    aliases: list[tuple[str, int]] | None = None,
    latest_versions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": model.name,
        "creation_timestamp": _ms(model, "created"),
        "last_updated_timestamp": _ms(model, "updated"),
        "description": model.description or "",
    }
    tags = tag_list(model.tags)
    if tags:
        data["tags"] = tags
    if aliases:
        data["aliases"] = [{"alias": alias, "version": str(number)} for alias, number in sorted(aliases)]
    if latest_versions:
        data["latest_versions"] = latest_versions
    return data
