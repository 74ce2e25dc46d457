"""Assessment exports (JSON and CSV) and what needs the signed-in user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse

from assessments import permissions
from assessments.models import Answer, Assessment, AssessmentStatus
from assessments.selectors.assessments import assessment_list
from assessments.selectors.observed import assessment_observations
from mlops_gov.actors import Actor

# --- exports --------------------------------------------------------------------------------------------------------

EXPORT_CSV_HEADER = (
    "assessment",
    "model",
    "framework",
    "framework_version",
    "status",
    "dimension",
    "question",
    "text",
    "value",
    "value_label",
    "not_applicable",
    "justification",
    "evidence_url",
    "evidence_note",
    "answered_by",
    "updated_at",
    "observed",
)


def _answers_with_questions(
    assessment: Assessment,
) -> Iterator[tuple[dict[str, Any], dict[str, Any], Answer | None, str]]:
    framework = assessment.framework
    answers = {a.question_id: a for a in assessment.answers.select_related("answered_by")}
    for dimension in framework.definition["dimensions"]:
        for question in dimension["questions"]:
            answer = answers.get(question["id"])
            label = ""
            if answer is not None and answer.value is not None:  # None exactly when not applicable (a constraint)
                scale = framework.definition["scales"][question["scale"]]
                label = next((o["label"] for o in scale if abs(float(o["value"]) - answer.value) < 1e-9), "")
            yield dimension, question, answer, label


def _observed_export(observation: dict[str, Any] | None) -> dict[str, Any] | None:
    if observation is None:
        return None
    return {
        "status": observation["status"],
        "rule": observation["rule"],
        "rule_version": observation["rule_version"],
        "detail": observation["detail"],
        "evidence": observation["evidence"],
        "observed_at": observation["observed_at"].isoformat(),
    }


def export_document(assessment: Assessment) -> dict[str, Any]:
    """The whole assessment as JSON-ready data: framework version, every question with its answer and what the
    platform observed, the result."""
    observations = assessment_observations(assessment)
    answers = []
    for dimension, question, answer, label in _answers_with_questions(assessment):
        answers.append(
            {
                "dimension": dimension["id"],
                "question": question["id"],
                "text": question["text"],
                "tags": question.get("tags", []),
                "value": answer.value if answer else None,
                "value_label": label,
                "not_applicable": answer.not_applicable if answer else False,
                "justification": answer.justification if answer else "",
                "evidence_url": answer.evidence_url if answer else "",
                "evidence_note": answer.evidence_note if answer else "",
                "answered_by": answer.answered_by.get_username() if answer else None,
                "updated_at": answer.updated_at.isoformat() if answer else None,
                "observed": _observed_export(observations.get(question["id"])),
            }
        )
    return {
        "id": assessment.pk,
        "model": assessment.model.name,
        "model_version": assessment.model_version.version if assessment.model_version else None,
        "framework": {
            "slug": assessment.framework.slug,
            "version": assessment.framework.version,
            "name": assessment.framework.name,
            "edition": assessment.framework.edition,
            "sha256": assessment.framework.sha256,
        },
        "status": assessment.status,
        "created_by": assessment.created_by.get_username(),
        "created_at": assessment.created_at.isoformat(),
        "submitted_by": assessment.submitted_by.get_username() if assessment.submitted_by else None,
        "submitted_at": assessment.submitted_at.isoformat() if assessment.submitted_at else None,
        "score": assessment.score,
        "label": assessment.label,
        "answers": answers,
        "result": assessment.result,
    }


def export_rows(assessment: Assessment) -> Iterator[tuple[Any, ...]]:
    """CSV rows (cells are made formula-safe by ``mlops_gov.csv_export``)."""
    observations = assessment_observations(assessment)
    for dimension, question, answer, label in _answers_with_questions(assessment):
        observed = observations.get(question["id"])
        yield (
            assessment.pk,
            assessment.model.name,
            assessment.framework.slug,
            assessment.framework.version,
            assessment.status,
            dimension["name"],
            question["id"],
            question["text"],
            "" if answer is None or answer.value is None else f"{answer.value:g}",
            label,
            "yes" if answer and answer.not_applicable else "",
            answer.justification if answer else "",
            answer.evidence_url if answer else "",
            answer.evidence_note if answer else "",
            answer.answered_by.get_username() if answer else "",
            answer.updated_at.isoformat() if answer else "",
            f"{observed['status']} ({observed['rule']} v{observed['rule_version']})" if observed else "",
        )


def needs_me(*, user: Actor) -> list[dict[str, Any]]:
    """The draft assessments this user started and has not submitted."""
    if not permissions.can_author(user):
        return []
    drafts = assessment_list(status=AssessmentStatus.DRAFT, created_by=user).count()
    return [
        {
            "group": "Your work",
            "label": "Your draft assessments",
            "value": drafts,
            "url": reverse("assessments:assessment-list") + "?status=draft&mine=on",
        }
    ]
