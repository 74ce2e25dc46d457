"""Drift charts drawn where a page or report shows them: selectors hand over the data (a column's stored
distribution, a check history), these tags draw the SVG (``{% load drift_charts %}``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from monitoring import charts

register = template.Library()


@register.filter
def spark_chart(distribution: dict[str, Any] | None, column: str) -> SafeString:
    """``{{ result.distribution|spark_chart:result.column }}``: the table row's small preview (empty if unknown)."""
    return mark_safe(charts.spark_svg(column, distribution or {}))


@register.filter
def distribution_chart(distribution: dict[str, Any] | None, column: str) -> SafeString:
    """``{{ result.distribution|distribution_chart:result.column }}``: reference vs current for one column."""
    if not distribution:
        return mark_safe("")
    return mark_safe(charts.distribution_svg(column, distribution))


@register.simple_tag
def drift_trend_chart(points: list[tuple[datetime, float]], threshold: float | None = None) -> SafeString:
    """``{% drift_trend_chart trend.points trend.threshold as svg %}``: drift share per check (empty below two)."""
    if not points:
        return mark_safe("")
    return mark_safe(charts.drift_trend_svg(list(points), threshold=threshold))
