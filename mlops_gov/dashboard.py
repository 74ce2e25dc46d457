"""The dashboard: what needs the signed-in user (per role), then the portfolio. Each app contributes through its
selectors (``needs_me(user=...)`` and ``dashboard_cards(user=...)``), so this module imports no app directly."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

DOMAIN_APPS = ("registry", "assessments", "monitoring", "reports")


def _collect(provider_name: str, *, user: Any) -> list[dict[str, Any]]:
    cards: list[dict[str, Any]] = []
    for label in DOMAIN_APPS:
        if not apps.is_installed(label):
            continue
        try:
            selectors = importlib.import_module(f"{label}.selectors")
        except ModuleNotFoundError:
            continue
        provider = getattr(selectors, provider_name, None)
        if provider is not None:
            cards.extend(provider(user=user))
    return cards


def portfolio_summary(*, user: Any) -> list[dict[str, Any]]:
    """Collect ``dashboard_cards(user=...)`` from every domain app that defines it in ``selectors``."""
    return _collect("dashboard_cards", user=user)


def needs_me(*, user: Any) -> list[dict[str, Any]]:
    """What waits for this user, grouped (your work, your decisions, production monitoring, audit), in the order
    the apps give them; each card's count links to the filtered list behind it."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for card in _collect("needs_me", user=user):
        # An app may name its group in English (gettext finds the shared title) or already translated (unchanged).
        title = _(str(card["group"])) if card.get("group") else _("For you")
        groups.setdefault(title, []).append(card)
    return [{"title": title, "cards": cards} for title, cards in groups.items()]
