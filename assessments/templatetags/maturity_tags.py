"""The measured-maturity block other apps' pages include (``{% load maturity_tags %}{% measured_maturity model %}``),
so the registry's model page shows it without importing the assessments app."""

from __future__ import annotations

from typing import Any

from django import template

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
