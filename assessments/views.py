"""Assessment pages: thin views over selectors (reads) and services (writes)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import permissions, selectors, services
from assessments.api.views import csv_response
from assessments.domain.observed import status_word
from assessments.forms import StartAssessmentForm
from assessments.localise import localised_assessment_result, localised_definition
from assessments.models import Assessment
from mlops_gov.access import permission_required
from mlops_gov.errors import DomainError
from registry.models import RegisteredModel

VIEW_PERM = "assessments.view_assessment"


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def _get(pk: int) -> Assessment:
    assessment = selectors.assessment_detail(pk)
    if assessment is None:
        raise Http404(_("No such assessment."))
    return assessment


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def assessment_list(request, start_form: StartAssessmentForm | None = None):
    filterset = selectors.assessment_filter(request.GET, request=request, ordering=request.GET.get("ordering", ""))
    rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    if start_form is None:
        start_form = StartAssessmentForm(user=request.user)
    context = {"filterset": filterset, "page": page, "start_form": start_form, "can_start": start_form.has_models}
    return render(request, "assessments/assessment_list.html", context, status=400 if start_form.errors else 200)


@login_required
@permission_required("assessments.view_framework", raise_exception=True)
def framework_list(request):
    return render(
        request, "assessments/framework_list.html", {"frameworks": selectors.framework_list(current_only=False)}
    )


@login_required
@permission_required("assessments.view_framework", raise_exception=True)
def framework_detail(request, slug: str):
    raw = request.GET.get("version", "")
    framework = selectors.framework_get(slug=slug, version=int(raw) if raw.isdigit() else None)
    if framework is None:
        raise Http404(_("No such framework."))
    definition = localised_definition(framework.definition)
    context = {
        "framework": framework,
        "definition": definition,
        "scales": [{"name": n, "options": o} for n, o in definition["scales"].items()],
        "versions": selectors.framework_list(current_only=False).filter(slug=slug),
    }
    return render(request, "assessments/framework_detail.html", context)


@login_required
@require_POST
def assessment_start(request):
    form = StartAssessmentForm(request.POST, user=request.user)
    if not form.is_valid():
        # Nothing started: the list again, the start form open with what was typed and each error beside its field.
        messages.error(request, _("No assessment was started: correct the form below."))
        return assessment_list(request, start_form=form)
    try:
        assessment = services.assessment_create(
            model=form.cleaned_data["model"],
            actor=request.user,
            framework_slug=form.cleaned_data["framework"].slug,
            model_version=form.cleaned_data.get("version_obj"),
            notes=form.cleaned_data.get("notes", ""),
        )
    except (DomainError, ValidationError) as exc:
        form.add_error(None, _message(exc))
        messages.error(request, _("No assessment was started: correct the form below."))
        return assessment_list(request, start_form=form)
    return redirect("assessments:assessment-detail", pk=assessment.pk)


def _question_rows(assessment: Assessment, dimension: dict, observations: dict[str, dict]) -> list[dict]:
    """One row per question; an observed question carries what the platform saw, pre-fills an unanswered radio
    with it and flags a declared answer above it."""
    answers = {a.question_id: a for a in assessment.answers.all()}
    scales = localised_definition(assessment.framework.definition)["scales"]
    rows = []
    for question in dimension["questions"]:
        answer = answers.get(question["id"])
        observation = observations.get(question["id"])
        declared = answer.value if answer is not None and not answer.not_applicable else None
        shown = declared if answer is not None else (observation["value"] if observation else None)
        contradiction = None
        if observation is not None and declared is not None and declared > observation["value"] + 1e-9:
            values = [float(o["value"]) for o in scales[question["scale"]]]
            contradiction = {"declared": status_word(values, declared), "observed": observation["status"]}
        rows.append(
            {
                "q": question,
                "field": f"q-{question['id']}",
                "answer": answer,
                "observation": observation,
                "prefilled": answer is None and observation is not None,
                "contradiction": contradiction,
                "options": [
                    {
                        "value": f"{o['value']:g}",
                        "label": o["label"],
                        "checked": shown is not None and abs(shown - o["value"]) < 1e-9,
                    }
                    for o in scales[question["scale"]]
                ],
                "required": question.get("required", True),
            }
        )
    return rows


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def assessment_detail(request, pk: int):
    assessment = _get(pk)
    context = _detail_context(request, assessment, request.GET.get("dimension", ""))
    return render(request, "assessments/assessment_detail.html", context)


def _detail_context(
    request, assessment: Assessment, wanted: str, posted=None, errors: list[dict] | None = None
) -> dict[str, Any]:
    """The questionnaire page of one dimension; after a refused save, with the posted answers and their errors."""
    dimensions = localised_definition(assessment.framework.definition)["dimensions"]
    wanted = wanted or dimensions[0]["id"]
    index = next((i for i, d in enumerate(dimensions) if d["id"] == wanted), 0)
    dimension = dimensions[index]
    can_answer = not assessment.is_submitted and permissions.can_answer(request.user, assessment.model)
    answered = {a.question_id for a in assessment.answers.all()}
    nav = [
        {
            "id": d["id"],
            "name": d["name"],
            "current": i == index,
            "answered": sum(1 for q in d["questions"] if q["id"] in answered),
            "total": len(d["questions"]),
        }
        for i, d in enumerate(dimensions)
    ]
    result = localised_assessment_result(assessment.result, assessment.framework.definition)
    result = result if assessment.is_submitted else None
    radar = None
    if result:
        radar = {
            "labels": [d["name"] for d in result["dimensions"]],
            "values": [d["normalised"] for d in result["dimensions"]],
        }
    previous = selectors.previous_submitted(assessment)
    observations = selectors.assessment_observations(assessment)
    statuses = {qid: o["status"] for qid, o in observations.items()}
    rows = _question_rows(assessment, dimension, observations)
    if posted is not None:
        rows = [_with_posted(row, posted, errors or []) for row in rows]
    context = {
        "answer_errors": errors or [],
        "observed_count": len(observations),
        "observed_here": sum(1 for r in rows if r["observation"]),
        "assessment": assessment,
        "framework": assessment.framework,
        "progress": selectors.progress(assessment),
        "nav": nav,
        "dimension": dimension,
        "rows": rows,
        "next_dimension": dimensions[index + 1]["id"] if index + 1 < len(dimensions) else None,
        "can_answer": can_answer,
        "result": result,
        "derived": (result or {}).get("derived", {}),
        "radar": radar,
        "previous": previous,
        "missing": services.missing_required(assessment, statuses) if can_answer else [],
    }
    return context


def _with_posted(row: dict[str, Any], post, errors: list[dict]) -> dict[str, Any]:
    """A question row showing what was posted (not what is stored), with its own error messages."""
    field = row["field"]
    value = post.get(f"{field}-value", "").strip()
    return {
        **row,
        "answer": {
            "not_applicable": bool(post.get(f"{field}-na")),
            "justification": post.get(f"{field}-justification", ""),
            "evidence_url": post.get(f"{field}-evidence_url", ""),
            "evidence_note": post.get(f"{field}-evidence_note", ""),
        },
        "options": [{**o, "checked": o["value"] == value} for o in row["options"]],
        "prefilled": False,
        "errors": [e["message"] for e in errors if e["question"] == row["q"]["id"]],
    }


def _answer_errors(exc: Exception) -> list[dict]:
    """The service's messages ("dm.labelling: ...") as {question, message}, to show beside each question."""
    messages_ = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
    found = []
    for text in messages_:
        question, sep, message = text.partition(": ")
        if sep and " " not in question:
            found.append({"question": question, "message": message[:1].upper() + message[1:]})
        else:
            found.append({"question": "", "message": text})
    return found


def _items_from_post(assessment: Assessment, dimension: dict, post) -> list[dict]:
    existing = {a.question_id for a in assessment.answers.all()}
    items = []
    for question in dimension["questions"]:
        field = f"q-{question['id']}"
        evidence = {
            "evidence_url": post.get(f"{field}-evidence_url", "").strip(),
            "evidence_note": post.get(f"{field}-evidence_note", "").strip(),
        }
        if post.get(f"{field}-na"):
            items.append(
                {
                    "question": question["id"],
                    "not_applicable": True,
                    "justification": post.get(f"{field}-justification", ""),
                    **evidence,
                }
            )
            continue
        raw = post.get(f"{field}-value", "").strip()
        if raw:
            try:
                value: object = float(raw)
            except ValueError:
                value = raw  # the service refuses it with a message
            items.append({"question": question["id"], "value": value, **evidence})
        elif question["id"] in existing:
            items.append({"question": question["id"], "clear": True})
    return items


def _detail_url(pk: int, dimension: str) -> str:
    return reverse("assessments:assessment-detail", args=[pk]) + "?" + urlencode({"dimension": dimension})


@login_required
@require_POST
def assessment_answer(request, pk: int):
    assessment = _get(pk)
    dimensions = assessment.framework.definition["dimensions"]
    dim_id = request.POST.get("dimension", "")
    dimension = next((d for d in dimensions if d["id"] == dim_id), None)
    if dimension is None:
        messages.error(request, _("Unknown dimension."))
        return redirect("assessments:assessment-detail", pk=pk)
    try:
        summary = services.answers_save(
            assessment=assessment, actor=request.user, answers=_items_from_post(assessment, dimension, request.POST)
        )
    except ValidationError as exc:
        # Nothing was saved: show the page again with every posted answer and each error beside its question.
        context = _detail_context(request, assessment, dim_id, posted=request.POST, errors=_answer_errors(exc))
        return render(request, "assessments/assessment_detail.html", context, status=400)
    except DomainError as exc:
        messages.error(request, _message(exc))
        return redirect(_detail_url(pk, dim_id))
    messages.success(request, _("Saved (%(changed)s changed; %(answered)s of %(total)s answered).") % summary)
    target = request.POST.get("next_dimension") if request.POST.get("action") == "next" else dim_id
    valid = {d["id"] for d in dimensions}
    return redirect(_detail_url(pk, target if target in valid else dim_id))


@login_required
@require_POST
def assessment_submit(request, pk: int):
    assessment = _get(pk)
    try:
        services.assessment_submit(assessment=assessment, actor=request.user)
    except (DomainError, ValidationError) as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("Assessment submitted; its scores are stored and it is now read-only."))
    return redirect("assessments:assessment-detail", pk=pk)


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def assessment_compare(request, pk: int):
    assessment = _get(pk)
    previous = selectors.previous_submitted(assessment)
    context = selectors.comparison(assessment, previous)
    return render(request, "assessments/assessment_compare.html", context)


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def model_history(request, name: str):
    model = get_object_or_404(RegisteredModel, name=name)
    frameworks = list(selectors.framework_list())
    slug = request.GET.get("framework") or "lifecycle"
    if slug not in {f.slug for f in frameworks}:
        raise Http404(_("Unknown framework."))
    points = selectors.history(model=model, framework_slug=slug)
    charts_data = selectors.history_charts(points, title=f"{model.name}: {slug}")
    context = {
        "model": model,
        "frameworks": frameworks,
        "slug": slug,
        "points": points,
        **charts_data,
        "assessments": selectors.assessment_list(model=model)[:100],
    }
    return render(request, "assessments/model_history.html", context)


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def measurement_detail(request, pk: int):
    measurement = selectors.measurements().filter(pk=pk).first()
    if measurement is None:
        raise Http404(_("No such measurement."))
    context = {
        "measurement": measurement,
        "observations": selectors.observations_of(measurement),
        "models": (measurement.result or {}).get("models", []),
        "not_observed": (measurement.result or {}).get("not_observed", []),
        **selectors.measured_vs_declared(model=measurement.model, framework_slug=measurement.framework.slug),
    }
    return render(request, "assessments/measurement_detail.html", context)


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def measured_overview(request):
    """The portfolio's measured maturity over time, and each model's latest measured beside its declared score."""
    context = {"rows": selectors.measured_rows(), **selectors.measured_vs_declared(model=None)}
    return render(request, "assessments/measured_overview.html", context)


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def assessment_export_json(request, pk: int):
    assessment = _get(pk)
    body = json.dumps(selectors.export_document(assessment), indent=2, ensure_ascii=False, default=str)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.pk}.json"'
    return response


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def assessment_export_csv(request, pk: int):
    return csv_response(_get(pk))
