"""Typed readers for environment variables (12-factor settings).

Each reader raises ``ImproperlyConfigured`` naming the variable, so a bad value stops start-up with one clear line.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import NotRequired, TypedDict, overload

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@overload
def env_str(name: str, default: str, *, required: bool = False) -> str: ...
@overload
def env_str(name: str, default: None = None, *, required: bool = False) -> str | None: ...
def env_str(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"{name} is required but not set.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false/1/0), got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def secret_from_file_or_env(name: str, fallback_file: Path | None) -> str:
    """Read a secret from ``NAME``, ``NAME_FILE``, or (embedded default only) a generated file."""
    value = os.environ.get(name)
    if value:
        return value
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE points at an unreadable file: {exc}") from None
    if fallback_file is None:
        raise ImproperlyConfigured(f"{name} is required in production (set {name} or {name}_FILE).")
    if not fallback_file.exists():
        fallback_file.parent.mkdir(parents=True, exist_ok=True)
        fallback_file.write_text(secrets.token_urlsafe(64))
        fallback_file.chmod(0o600)
    return fallback_file.read_text().strip()


class AuditCheckpointSettings(TypedDict):
    """``settings.AUDIT_CHECKPOINT`` (registry.audit.checkpoints)."""

    INTERVAL_MINUTES: int
    DIRECTORY: str
    WEBHOOKS: list[str]
    EMAILS: list[str]
    MAX_ATTEMPTS: int


class ProductSettings(TypedDict):
    """``settings.MLOPS_GOV``: the product's own settings, typed so readers get ints and lists, not a union."""

    SITE_NAME: str
    BASE_URL: str
    UPLOAD_MAX_BYTES: int
    UPLOAD_MAX_ROWS: int
    UPLOAD_MAX_COLUMNS: int
    MLFLOW_AUTH_CACHE_SECONDS: int
    WEBHOOK_ALLOWED_NETWORKS: list[str]
    SOURCE_URI_SCHEMES: list[str]
    DATASET_FILE_ROOTS: list[str]
    DATASET_IMPORT_MAX_BYTES: int
    DATASET_IMPORT_MAX_ROWS: int
    DATASET_IMPORT_MAX_COLUMNS: int
    DRIFT_SHARD_COLUMNS: int
    # Report limits; reports/constants.py holds their defaults.
    REPORT_TEXT_MAX_CHARS: NotRequired[int]
    REPORT_TEXT_MAX_LINES: NotRequired[int]
    REPORT_MAX_AUDIT_EVENTS: NotRequired[int]
    REPORT_MAX_REQUESTS: NotRequired[int]
    REPORT_MAX_PORTFOLIO_MODELS: NotRequired[int]
