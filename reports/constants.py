"""Report limits (overridable in ``settings.MLOPS_GOV``): they keep rendering bounded in time and memory."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS = {
    # Any one free-text field (description, card field, comment) is cut here, with a visible note.
    "REPORT_TEXT_MAX_CHARS": 20_000,
    "REPORT_TEXT_MAX_LINES": 300,
    # Audit events of one model printed in full up to this many (newest first past it, with a note).
    "REPORT_MAX_AUDIT_EVENTS": 5_000,
    "REPORT_MAX_REQUESTS": 200,
    "REPORT_MAX_PORTFOLIO_MODELS": 2_000,
}


def limit(name: str) -> int:
    overrides: Mapping[str, object] = settings.MLOPS_GOV
    value = overrides.get(name, DEFAULTS[name])
    if not isinstance(value, (int, str)):
        raise ImproperlyConfigured(f"MLOPS_GOV[{name!r}] must be an integer, got {value!r}.")
    return int(value)
