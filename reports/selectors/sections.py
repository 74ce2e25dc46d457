"""Sections contributed by other apps.

Assessments and monitoring contribute their sections through ``<app>.selectors.report_context(version=...)`` and
``<app>/report_section.html`` (and ``portfolio_row(version=...)``). They are looked up at call time, so a report
says "No ... recorded" while an app has not provided them yet, and picks them up once it does. This module returns
the data; ``reports.rendering`` renders each app's template.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import Any

from django.utils.translation import gettext_noop

from registry.models import ModelVersion

logger = logging.getLogger(__name__)

# (app, title, text when empty): English here, translated where shown (gettext_noop marks them for the catalogue).
APP_SECTIONS = (
    ("assessments", gettext_noop("Maturity"), gettext_noop("No maturity assessment recorded for this model.")),
    (
        "monitoring",
        gettext_noop("Monitoring"),
        gettext_noop("No drift or data-quality check recorded for this version."),
    ),
)


def _app_selectors(label: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"{label}.selectors")
    except ModuleNotFoundError as exc:
        if exc.name in (label, f"{label}.selectors"):
            return None
        raise


class ReportSectionError(RuntimeError):
    """A section of a report could not be assembled: the report fails rather than ship without that evidence."""


def app_section(label: str, *, version: ModelVersion, empty_text: str) -> dict[str, Any]:
    """One app's report section as data: ``data`` (the app's ``report_context``) or None with ``empty`` saying so.
    ``reports.rendering`` turns it into HTML. Raises ``ReportSectionError`` when the app's section fails: a report
    is never issued without its evidence."""
    try:
        selectors = _app_selectors(label)
        provider = getattr(selectors, "report_context", None) if selectors is not None else None
        if provider is None:
            return {"data": None, "empty": empty_text}
        data = provider(version=version)
    except Exception as exc:  # a report never ships without a section's evidence: the whole report fails, visibly
        logger.exception("report section %s failed for %s", label, version)
        raise ReportSectionError(
            f"The {label} section of the report for {version} could not be assembled ({type(exc).__name__}): "
            "the report is not issued without its evidence."
        ) from exc
    if not data:
        return {"data": None, "empty": empty_text}
    return {"data": data, "empty": ""}


def app_portfolio_row(label: str, *, version: ModelVersion) -> dict[str, Any]:
    try:
        selectors = _app_selectors(label)
        provider = getattr(selectors, "portfolio_row", None) if selectors is not None else None
        return dict(provider(version=version) or {}) if provider is not None else {}
    except Exception:  # the portfolio still lists the model, with this column empty
        logger.exception("portfolio row %s failed for %s", label, version)
        return {"error": True}
