"""What the other apps show of assessments: the report section, portfolio row, dashboard cards."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from assessments import permissions
from assessments.localise import framework_name, label_text, localised_assessment_result
from assessments.models import Assessment, AssessmentStatus
from assessments.selectors.assessments import framework_list, history, history_charts, latest_submitted
from assessments.selectors.observed import (
    latest_measurement,
    measured_vs_declared,
    measurements,
    observations_of,
    policy_framework,
)
from mlops_gov.actors import Viewer
from registry.models import ModelVersion, RegisteredModel


def report_context(*, version: ModelVersion) -> dict[str, Any]:
    """Everything the report's maturity section needs for ``version``'s model: the latest submitted assessment of
    each framework with its gaps and next steps, the history of the policy's framework, charts as inline SVG."""
    model = version.model
    slug = policy_framework(model)
    latest_by_framework = []
    for framework in framework_list():
        latest = latest_submitted(model=model, framework_slug=framework.slug)
        if latest is not None:
            latest_by_framework.append(latest)
    latest_by_framework.sort(key=lambda a: (a.framework.slug != slug, a.framework.slug))
    points = history(model=model, framework_slug=slug)
    charts_ = history_charts(
        points, title=_("%(model)s: %(framework)s maturity over time") % {"model": model.name, "framework": slug}
    )
    measured = measured_vs_declared(model=model, framework_slug=slug)
    latest_measured = measured["latest"]
    primary = latest_by_framework[0] if latest_by_framework and latest_by_framework[0].framework.slug == slug else None
    # Texts in the reader's (the report's) language; the stored result stays as it was written.
    result = (localised_assessment_result(primary.result, primary.framework.definition) if primary else None) or {}
    return {
        "model_name": model.name,
        "framework_slug": slug,
        "has_data": bool(latest_by_framework) or latest_measured is not None,
        "measured": (
            {
                "id": latest_measured.pk,
                "score": latest_measured.score,
                "label": label_text(latest_measured.framework.definition, latest_measured.label),
                "measured_at": latest_measured.measured_at,
                "observed": latest_measured.observed,
                "observable": latest_measured.observable,
                "counts": (latest_measured.result or {}).get("counts", {}),
                "declared": primary.score if primary is not None else None,
                "observations": observations_of(latest_measured),
                "history": measured["points"],
                "trend": measured["trend"],
            }
            if latest_measured is not None
            else None
        ),
        "latest": [
            {
                "id": a.pk,
                "framework": framework_name(a.framework.definition),
                "framework_slug": a.framework.slug,
                "framework_version": a.framework.version,
                "submitted_at": a.submitted_at,
                "score": a.score,
                "label": label_text(a.framework.definition, a.label),
                "summary": (a.result or {}).get("summary", ""),
            }
            for a in latest_by_framework
        ],
        "primary": (
            {
                "id": primary.pk,
                "score": primary.score,
                "label": result.get("label", primary.label),
                "submitted_at": primary.submitted_at,
                "dimensions": result.get("dimensions", []),
                "held_back": result.get("held_back", [])[:15],
                "next_steps": result.get("next_steps", [])[:10],
                "derived": [
                    {
                        "slug": s,
                        "name": r["framework"]["name"],
                        "label": r["label"],
                        "normalised": r["overall"]["normalised"],
                    }
                    for s, r in result.get("derived", {}).items()
                ],
            }
            if primary is not None
            else None
        ),
        "history": [{k: p[k] for k in ("id", "submitted_at", "score", "label")} for p in points],
        "history_framework": primary.framework if primary is not None else None,
        "trend": charts_["trend"],
        "radar": charts_["radar"],
    }


def portfolio_row(*, version: ModelVersion) -> dict[str, Any]:
    slug = policy_framework(version.model)
    latest = latest_submitted(model=version.model, framework_slug=slug)
    measured = latest_measurement(model=version.model, framework_slug=slug)
    row: dict[str, Any] = {
        "measured_score": measured.score if measured is not None else None,
        "measured_at": measured.measured_at if measured is not None else None,
    }
    if latest is None:
        return {**row, "maturity_score": None, "maturity_label": _("not assessed"), "assessed_at": None}
    label = label_text(latest.framework.definition, latest.label)
    return {**row, "maturity_score": latest.score, "maturity_label": label, "assessed_at": latest.submitted_at}


def dashboard_cards(*, user: Viewer | None) -> list[dict[str, Any]]:
    if not permissions.can_view(user):
        return []
    submitted_qs = Assessment.objects.filter(status=AssessmentStatus.SUBMITTED)
    models_total = RegisteredModel.objects.count()
    assessed = submitted_qs.values("model").distinct().count()
    drafts = Assessment.objects.filter(status=AssessmentStatus.DRAFT).count()
    url = reverse("assessments:assessment-list")
    portfolio = measurements(portfolio=True).first()
    measured_card = {
        "label": _("Measured maturity"),
        "value": f"{portfolio.score * 100:.0f}%" if portfolio is not None and portfolio.score is not None else "—",
        "url": reverse("assessments:measured-overview"),
        "note": (
            _("portfolio, from the evidence on %(date)s") % {"date": f"{portfolio.measured_at:%Y-%m-%d}"}
            if portfolio is not None
            else _("not measured yet (daily)")
        ),
    }
    return [
        {
            "label": _("Models assessed"),
            "value": f"{assessed} / {models_total}",
            "url": url,
            "note": _("with at least one submitted maturity assessment"),
        },
        {
            "label": _("Assessment drafts"),
            "value": drafts,
            "url": url + "?status=draft",
            "note": _("open questionnaires"),
        },
        measured_card,
    ]
