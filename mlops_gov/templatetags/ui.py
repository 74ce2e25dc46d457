"""Page helpers: readable durations and sortable column headers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from mlops_gov.svg import sparkline as sparkline_svg

register = template.Library()


@register.filter
def sparkline(values: Any, label: str = "") -> SafeString:
    """``{{ card.trend|sparkline:card.trend_label }}``: the selectors give the numbers, the page draws the chart."""
    # Safe: mlops_gov.svg builds the markup itself from numbers and escapes the label.
    return mark_safe(sparkline_svg(values or [], label=str(label)))


@register.filter
def duration(value: Any) -> str:
    """Seconds (or a timedelta) for people: "340 ms" under a second, "4.2 s" under a minute, then "3 min 5 s"."""
    if value is None or value == "":
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 1:
        return f"{round(seconds * 1000)} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@register.filter
def significant(value: Any, digits: int = 3) -> str:
    """A statistic with 3 significant digits: 0.0421, 1.2e-07 (a p-value of 1e-7 is not "0.0000")."""
    if value is None or value == "":
        return "—"
    number = float(value)
    if number == 0:
        return "0"
    return f"{number:.{digits}g}"


@register.simple_tag(takes_context=True)
def sort_header(context: dict[str, Any], label: str, key: str, param: str = "ordering") -> str:
    """A <th> whose link sorts the list by `key` (again: reversed), keeping the other filters; aria-sort says how."""
    request = context["request"]
    current = request.GET.get(param, "")
    query: QueryDict = request.GET.copy()
    query.pop("page", None)
    if current == key:
        query[param], state, arrow = f"-{key}", "ascending", " ▲"
    elif current == f"-{key}":
        query[param], state, arrow = key, "descending", " ▼"
    else:
        query[param], state, arrow = key, "", " ↕"
    aria = format_html(' aria-sort="{}"', state) if state else ""
    return format_html(
        '<th scope="col"{}><a class="sort" href="?{}">{}<span class="sort-hint" aria-hidden="true">{}</span></a></th>',
        aria,
        query.urlencode(),
        label,
        arrow,
    )
