"""Registry rows -> MLflow JSON entities (proto3 JSON: version as a string, ms timestamps, empty lists omitted)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry.choices import Stage

STAGE_TO_MLFLOW = {Stage.NONE: "None", Stage.STAGING: "Staging", Stage.PRODUCTION: "Production",
                   Stage.ARCHIVED: "Archived"}  # fmt: skip
MLFLOW_TO_STAGE = {label.lower(): value for value, label in STAGE_TO_MLFLOW.items()}


def millis(value: datetime | None) -> int:
    return int(value.timestamp() * 1000) if value is not None else 0


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
    """``version`` is a ModelVersion (or a row with the same attribute names)."""
    data: dict[str, Any] = {
        "name": model_name,
        "version": str(version.version),
        "creation_timestamp": millis(version.created_at),
        "last_updated_timestamp": millis(version.updated_at),
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
        "creation_timestamp": millis(model.created_at),
        "last_updated_timestamp": millis(model.updated_at),
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
