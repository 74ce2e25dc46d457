"""Sorting a list by a whitelisted key, as the API's ``ordering`` parameter does: the pages' header links and the
API accept the same keys (declared beside each list's FilterSet)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet


def ordered(qs: QuerySet[Any], ordering: str, allowed: tuple[str, ...], tiebreak: str = "-pk") -> QuerySet[Any]:
    """Sort by ``ordering`` (``-key`` descending) when it is one of ``allowed``; else leave the order unchanged."""
    if ordering.lstrip("-") in allowed:
        return qs.order_by(ordering, tiebreak)
    return qs
