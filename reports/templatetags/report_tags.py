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
