"""Report limits (overridable in ``settings.MLOPS_GOV``): they keep rendering bounded in time and memory."""

from __future__ import annotations

from django.conf import settings

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
    return int(settings.MLOPS_GOV.get(name, DEFAULTS[name]))
