"""The measured-maturity block other apps' pages include (``{% load maturity_tags %}{% measured_maturity model %}``),
so the registry's model page shows it without importing the assessments app."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from assessments import charts

register = template.Library()


@register.inclusion_tag("assessments/_measured_block.html", takes_context=True)
def measured_maturity(context: dict[str, Any], model: Any) -> dict[str, Any]:
    from assessments import selectors

    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.has_perm("assessments.view_assessment")):
        return {"readable": False}
    slug = selectors.policy_framework(model)
    data = selectors.measured_vs_declared(model=model, framework_slug=slug)
    return {"readable": True, "model": model, "framework_slug": slug, **data}


@register.filter
def framework_name(framework: Any) -> str:
    """``{{ assessment.framework|framework_name }}``: the framework's name in the reader's language."""
    from assessments.localise import framework_name as name

    return name(framework.definition) if framework is not None else ""


@register.filter
def maturity_label(label: str, framework: Any) -> str:
    """``{{ assessment.label|maturity_label:assessment.framework }}``: a stored band or level in the reader's
    language."""
    from assessments.localise import label_text

    return label_text(framework.definition, label) if framework is not None else label


@register.filter
def observed_word(status: str) -> str:
    """An observation status ("yes", "partly", "no") in the reader's language."""
    from assessments.localise import status_word

    return status_word(status)


@register.filter
def scoring_method(method: str) -> str:
    """A framework's scoring rule (``min_section_sum``, ``levels``, ``weighted``) named in the reader's language."""
    from django.utils.translation import gettext

    names = {
        "min_section_sum": gettext("minimum of the section sums"),
        "levels": gettext("levels reached"),
        "weighted": gettext("weighted share of the maximum"),
    }
    return names.get(method, method)


@register.simple_tag
def radar_chart(radar: dict[str, Any] | None) -> SafeString:
    """``{% radar_chart radar %}``: a selector's radar data (labels, values, previous...) drawn as SVG."""
    return mark_safe(charts.radar_svg(**radar) if radar else "")


@register.simple_tag
def trend_chart(trend: dict[str, Any] | None) -> SafeString:
    """``{% trend_chart trend as trend_svg %}``: a selector's trend data (series, title) drawn as SVG; empty below
    two points in time."""
    return mark_safe(charts.trend_svg(**trend) if trend else "")
