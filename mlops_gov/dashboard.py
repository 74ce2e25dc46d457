"""Portfolio summary for the dashboard: each app contributes a few figures through its selectors."""

from __future__ import annotations

from typing import Any

from django.apps import apps


def portfolio_summary(*, user) -> list[dict[str, Any]]:
    """Collect ``dashboard_cards(user=...)`` from every domain app that defines it in ``selectors``."""
    import importlib

    cards: list[dict[str, Any]] = []
    for label in ("registry", "assessments", "monitoring", "reports"):
        if not apps.is_installed(label):
            continue
        try:
            selectors = importlib.import_module(f"{label}.selectors")
        except ModuleNotFoundError:
            continue
        provider = getattr(selectors, "dashboard_cards", None)
        if provider is not None:
            cards.extend(provider(user=user))
    return cards
