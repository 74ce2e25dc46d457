"""Assessment reads: frameworks, assessments, progress, comparisons, history and its charts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from assessments.filters import ASSESSMENT_ORDERING, AssessmentFilter
from assessments.localise import label_text, localised_definition
from assessments.models import Answer, Assessment, AssessmentStatus, Framework
from mlops_gov.actors import Actor
from mlops_gov.listing import ordered
from registry.models import RegisteredModel

REPORT_MAX_ASSESSMENTS = 30


def framework_list(*, current_only: bool = True) -> QuerySet[Framework]:
    qs = Framework.objects.all()
    if current_only:
        qs = qs.filter(is_current=True)
    return qs.order_by("slug", "-version")


def framework_get(*, slug: str, version: int | None = None) -> Framework | None:
    qs = Framework.objects.filter(slug=slug)
    qs = qs.filter(version=version) if version is not None else qs.filter(is_current=True)
    return qs.first()


def assessment_list(
    *, model: RegisteredModel | None = None, framework_slug: str = "", status: str = "", created_by: Actor | None = None
) -> QuerySet[Assessment]:
    qs = Assessment.objects.select_related("model", "framework", "model_version", "created_by", "submitted_by")
    qs = qs.annotate(answer_count=Count("answers"))
    if created_by is not None:
        qs = qs.filter(created_by=created_by)
    if model is not None:
        qs = qs.filter(model=model)
    if framework_slug:
        qs = qs.filter(framework__slug=framework_slug)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def assessment_filter(params: Any, *, request: Any = None, ordering: str = "") -> AssessmentFilter:
    """The assessments list as the page and the API filter it (same FilterSet), sorted by a header's key."""
    qs = ordered(assessment_list(), ordering, ASSESSMENT_ORDERING, "-id")
    return AssessmentFilter(params if params is not None else {}, queryset=qs, request=request)


def assessment_detail(pk: int) -> Assessment | None:
    return (
        Assessment.objects.select_related("model__team", "framework", "model_version", "created_by", "submitted_by")
        .prefetch_related("answers")
        .filter(pk=pk)
        .first()
    )


def submitted(*, model: RegisteredModel, framework_slug: str) -> QuerySet[Assessment]:
    return Assessment.objects.filter(
        model=model, framework__slug=framework_slug, status=AssessmentStatus.SUBMITTED
    ).order_by("-submitted_at", "-id")


def latest_submitted(*, model: RegisteredModel, framework_slug: str) -> Assessment | None:
    return submitted(model=model, framework_slug=framework_slug).select_related("framework").first()


def previous_submitted(assessment: Assessment) -> Assessment | None:
    """The submitted assessment of the same model and framework just before this one."""
    qs = submitted(model=assessment.model, framework_slug=assessment.framework.slug).exclude(pk=assessment.pk)
    if assessment.submitted_at is not None:
        qs = qs.filter(submitted_at__lte=assessment.submitted_at).exclude(
            submitted_at=assessment.submitted_at, id__gt=assessment.pk
        )
    return qs.select_related("framework").prefetch_related("answers").first()


def progress(assessment: Assessment) -> dict[str, Any]:
    total = assessment.framework.question_count
    answered = len(assessment.answers.all())
    return {"answered": answered, "total": total, "percent": round(100 * answered / total) if total else 0}


def _dimension_map(result: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {d["id"]: d for d in (result or {}).get("dimensions", [])}


def comparison(assessment: Assessment, previous: Assessment | None) -> dict[str, Any]:
    """Side by side: dimension scores and each question's answers, matched by question id (versions may differ)."""
    from assessments.services import compute_result

    current_result = assessment.result or compute_result(assessment)
    previous_result = (previous.result if previous is not None else None) or {}
    before_dims = _dimension_map(previous_result)
    definition = localised_definition(assessment.framework.definition)  # names in the reader's language
    names = {d["id"]: d["name"] for d in definition["dimensions"]}
    dimensions = []
    for dim in current_result["dimensions"]:
        old = before_dims.get(dim["id"], {})
        now_value, old_value = dim.get("normalised"), old.get("normalised")
        delta = None if now_value is None or old_value is None else round(now_value - old_value, 4)
        dimensions.append(
            {
                "id": dim["id"],
                "name": names.get(dim["id"], dim["name"]),
                "current": now_value,
                "previous": old_value,
                "delta": delta,
            }
        )
    current_answers = {a.question_id: a for a in assessment.answers.all()}
    previous_answers = {a.question_id: a for a in previous.answers.all()} if previous is not None else {}
    questions = []
    for dimension in definition["dimensions"]:
        for question in dimension["questions"]:
            qid = question["id"]
            now_answer, old_answer = current_answers.get(qid), previous_answers.get(qid)
            questions.append(
                {
                    "id": qid,
                    "dimension": dimension["name"],
                    "text": question["text"],
                    "current": _shown(now_answer),
                    "previous": _shown(old_answer),
                    "changed": _shown(now_answer) != _shown(old_answer),
                }
            )
    radar = {
        "labels": [d["name"] for d in dimensions],
        "values": [d["current"] for d in dimensions],
        "previous": [d["previous"] for d in dimensions] if previous is not None else None,
        "current_label": f"#{assessment.pk}",
        "previous_label": f"#{previous.pk}" if previous is not None else "",
    }
    return {
        "current": assessment,
        "previous": previous,
        "current_result": current_result,
        "previous_result": previous_result or None,
        "dimensions": dimensions,
        "questions": questions,
        "radar": radar,
    }


def _shown(answer: Answer | None) -> str:
    if answer is None:
        return "—"
    return "N/A" if answer.not_applicable else f"{answer.value:g}"


def history(
    *, model: RegisteredModel, framework_slug: str, limit: int = REPORT_MAX_ASSESSMENTS
) -> list[dict[str, Any]]:
    """Submitted assessments of one model and framework, oldest first (the last ``limit``)."""
    rows = list(
        submitted(model=model, framework_slug=framework_slug)
        .select_related("framework", "submitted_by")
        .only(
            "id",
            "submitted_at",
            "score",
            "label",
            "result",
            "framework__version",
            "framework__slug",
            "submitted_by__username",
        )[:limit]
    )
    rows.reverse()
    # Names and labels in the reader's language, from the framework's current file (stored results stay English).
    current = Framework.objects.filter(slug=framework_slug, is_current=True).only("definition").first()
    definition = current.definition if current is not None else {}
    names = {d["id"]: d["name"] for d in localised_definition(definition)["dimensions"]} if definition else {}
    derived_definitions = dict(
        Framework.objects.filter(slug__in=definition.get("derive", []), is_current=True).values_list(
            "slug", "definition"
        )
    )
    return [
        {
            "id": a.pk,
            "submitted_at": a.submitted_at,
            "submitted_by": a.submitted_by.get_username() if a.submitted_by else "",
            "score": a.score,
            "label": label_text(definition, a.label) if definition else a.label,
            "framework_version": a.framework.version,
            "dimensions": {
                d["id"]: {**d, "name": names.get(d["id"], d["name"])} for d in (a.result or {}).get("dimensions", [])
            },
            "derived": {
                slug: label_text(derived_definitions.get(slug, {}), r.get("label", ""))
                for slug, r in (a.result or {}).get("derived", {}).items()
            },
        }
        for a in rows
    ]


def history_charts(points: list[dict[str, Any]], *, title: str = "") -> dict[str, Any]:
    """The data of a trend line (overall + each dimension) and of a radar of the latest submission (dashed: the one
    before), drawn by the maturity_tags chart tags; None each without a submission."""
    if not points:
        return {"trend": None, "radar": None}
    latest = points[-1]
    dim_ids = list(latest["dimensions"])
    names = {k: v["name"] for k, v in latest["dimensions"].items()}
    series: dict[str, list[tuple[datetime, float | None]]] = {
        _("overall"): [(p["submitted_at"], p["score"]) for p in points]
    }
    for dim_id in dim_ids:
        series[names[dim_id]] = [(p["submitted_at"], p["dimensions"].get(dim_id, {}).get("normalised")) for p in points]
    previous = points[-2] if len(points) > 1 else None
    radar = {
        "labels": [names[d] for d in dim_ids],
        "values": [latest["dimensions"][d].get("normalised") for d in dim_ids],
        "previous": [previous["dimensions"].get(d, {}).get("normalised") for d in dim_ids] if previous else None,
        "current_label": f"#{latest['id']}",
        "previous_label": f"#{previous['id']}" if previous else "",
    }
    return {"trend": {"series": series, "title": title}, "radar": radar}
