"""Filters for report templates. Output is plain text: Django autoescapes it like any other value."""

from __future__ import annotations

import json

from django import template

from reports.constants import limit
from reports.domain.text import clip, soft_wrap, truncation_note

register = template.Library()


@register.filter
def clip_text(value) -> str:
    """Bound one free-text field (a visible note says how much was left out)."""
    clipped = clip(value, max_chars=limit("REPORT_TEXT_MAX_CHARS"), max_lines=limit("REPORT_TEXT_MAX_LINES"))
    text = soft_wrap(clipped.text)
    if clipped.truncated:
        return f"{text}\n{truncation_note(clipped.omitted_chars)}"
    return text


@register.filter
def clip_short(value, max_chars: int = 300) -> str:
    """Bound a value shown in a table cell (names, JSON values)."""
    if not isinstance(value, str):
        value = json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
    clipped = clip(value, max_chars=int(max_chars), max_lines=20)
    return soft_wrap(clipped.text) + (" […]" if clipped.truncated else "")


@register.filter
def percent(value) -> str:
    if value is None or value == "":
        return "—"
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "—"


@register.inclusion_tag("reports/_model_links_body.html", takes_context=True)
def model_report_links(context, model):
    """Report links on the registry's model page, for those who may read (and generate) the model's reports."""
    from reports import permissions, selectors

    request = context.get("request")
    user = getattr(request, "user", None)
    readable = permissions.can_read_model_reports(user, model)
    return {
        "model": model,
        "readable": readable,
        "can_generate": readable and permissions.can_generate_model_report(user, model),
        "production": selectors.production_version(model) if readable else None,
        "csrf_token": context.get("csrf_token"),
    }


_DATE_FORMATS = {
    # kind: (English: ISO as the reports always printed, Korean: the Korean order with its unit words)
    "date": ("Y-m-d", "Y년 n월 j일"),
    "datetime": ("Y-m-d H:i e", "Y년 n월 j일 H:i e"),
    "seconds": ("Y-m-d H:i:s e", "Y년 n월 j일 H:i:s e"),
}


@register.filter
def ldate(value, kind: str = "date") -> str:
    """A date in the report's language: ``{{ when|ldate }}``, ``|ldate:"datetime"``, ``|ldate:"seconds"``."""
    from django.template.defaultfilters import date as date_filter
    from django.utils.translation import get_language

    if value in (None, ""):
        return ""
    english, korean = _DATE_FORMATS.get(kind, _DATE_FORMATS["date"])
    return date_filter(value, korean if (get_language() or "").startswith("ko") else english)


@register.filter
def number(value) -> str:
    """A count with the locale's digit grouping (1,234)."""
    from django.utils import formats

    try:
        return formats.number_format(int(value), force_grouping=True)
    except (TypeError, ValueError):
        return "" if value is None else str(value)
