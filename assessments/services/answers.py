"""Assessments: create, save answers (drafts), score and submit; a submitted one is frozen."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import permissions
from assessments.domain import scoring
from assessments.domain.observed import observable_questions
from assessments.models import Answer, Assessment, AssessmentStatus, Framework
from assessments.services.frameworks import MAX_TEXT, IncompleteAssessment, _url_validator, current_framework
from assessments.services.measurements import measurement_take
from mlops_gov.actors import Actor
from mlops_gov.errors import ConflictError, PermissionError_
from registry.audit import audit_record
from registry.models import ModelVersion, RegisteredModel

logger = logging.getLogger(__name__)


# --- assessments ----------------------------------------------------------------------------------------------------


def _snapshot(assessment: Assessment) -> dict[str, Any]:
    return {
        "model": assessment.model.name,
        "framework": assessment.framework.slug,
        "framework_version": assessment.framework.version,
        "model_version": assessment.model_version.version if assessment.model_version else None,
        "status": assessment.status,
    }


@transaction.atomic
def assessment_create(
    *,
    model: RegisteredModel,
    actor: Actor,
    framework_slug: str = "lifecycle",
    model_version: ModelVersion | None = None,
    notes: str = "",
) -> Assessment:
    if not permissions.can_start(actor, model):
        raise PermissionError_("Only the model's team (with an author role) may start an assessment of it.")
    framework = current_framework(framework_slug)
    if model_version is not None and model_version.model_id != model.pk:
        raise ValidationError({"model_version": ["The version must belong to the assessed model."]})
    if len(notes) > MAX_TEXT:
        raise ValidationError({"notes": [f"Keep notes under {MAX_TEXT} characters."]})
    assessment = Assessment.objects.create(
        model=model, framework=framework, model_version=model_version, notes=notes, created_by=actor
    )
    audit_record(action="assessment.created", obj=assessment, model=model, after=_snapshot(assessment), actor=actor)
    return assessment


def _locked(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("model", "framework").get(pk=assessment.pk)


def _refuse_if_submitted(assessment: Assessment) -> None:
    if assessment.is_submitted:
        raise ConflictError(
            f"Assessment #{assessment.pk} was submitted on {assessment.submitted_at:%Y-%m-%d %H:%M} UTC and is "
            "read-only; start a new assessment to record changes."
        )


def _answer_state(answer: Answer | None) -> dict[str, Any] | None:
    if answer is None:
        return None
    return {
        "value": answer.value,
        "not_applicable": answer.not_applicable,
        "justification": answer.justification,
        "evidence_url": answer.evidence_url,
        "evidence_note": answer.evidence_note,
    }


def _text(item: Mapping[str, Any], key: str, where: str, errors: list[str]) -> str:
    value = item.get(key) or ""
    if not isinstance(value, str):
        errors.append(f"{where}: '{key}' must be text.")
        return ""
    if len(value) > MAX_TEXT:
        errors.append(f"{where}: '{key}' is longer than {MAX_TEXT} characters.")
    return value.strip()


def _validate_item(
    framework: Framework, questions: dict[str, Any], item: Any, index: int
) -> tuple[dict[str, Any] | None, list[str]]:
    """One answer of a bulk request, checked against the assessment's framework version; (clean item, errors)."""
    where = f"answers[{index}]"
    if not isinstance(item, Mapping):
        return None, [f"{where}: each answer must be an object with a 'question'."]
    errors: list[str] = []
    qid = item.get("question")
    if not isinstance(qid, str) or qid not in questions:
        return None, [f"{where}: '{qid}' is not a question of {framework.name} v{framework.version}."]
    where = qid  # messages name the question ("dm.labelling: ..."): people and API clients both know it
    question = questions[qid]
    clean: dict[str, Any] = {"question": qid, "clear": bool(item.get("clear", False))}
    if clean["clear"]:
        return clean, errors
    not_applicable = item.get("not_applicable", False)
    if not isinstance(not_applicable, bool):
        errors.append(f"{where}: 'not_applicable' must be true or false.")
        not_applicable = False
    value = item.get("value")
    justification = _text(item, "justification", where, errors)
    evidence_url = _text(item, "evidence_url", where, errors)
    evidence_note = _text(item, "evidence_note", where, errors)
    if evidence_url:
        try:
            _url_validator(evidence_url)
        except ValidationError:
            errors.append(f"{where}: " + _("evidence_url must be an http(s) URL."))
        if len(evidence_url) > 1000:
            errors.append(f"{where}: " + _("evidence_url is longer than 1000 characters."))
    if not_applicable:
        if not question.get("allow_na", False):
            errors.append(f"{where}: " + _("this question does not allow 'not applicable'."))
        if not justification:
            errors.append(f"{where}: " + _("give a reason for 'not applicable' (it needs a justification)."))
        if value is not None:
            errors.append(f"{where}: " + _("give either a value or 'not applicable', not both."))
        value = None
    else:
        allowed = [float(o["value"]) for o in framework.definition["scales"][question["scale"]]]
        shown = ", ".join(f"{v:g}" for v in allowed)
        if value is None:
            errors.append(
                f"{where}: " + _("give a value (%(allowed)s), 'not applicable' or 'clear'.") % {"allowed": shown}
            )
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            errors.append(
                f"{where}: " + _("the value must be a number on the scale (%(allowed)s).") % {"allowed": shown}
            )
        elif not any(abs(float(value) - v) < 1e-9 for v in allowed):
            errors.append(
                f"{where}: "
                + _("%(value)s is not on the scale '%(scale)s' (allowed: %(allowed)s).")
                % {"value": f"{value:g}", "scale": question["scale"], "allowed": shown}
            )
        else:
            value = next(v for v in allowed if abs(float(value) - v) < 1e-9)
    clean.update(
        {
            "value": value,
            "not_applicable": not_applicable,
            "justification": justification,
            "evidence_url": evidence_url,
            "evidence_note": evidence_note,
        }
    )
    return clean, errors


@transaction.atomic
def answers_save(*, assessment: Assessment, actor: Actor, answers: Sequence[Any]) -> dict[str, Any]:
    """Record a batch of answers (all or none). Each item: ``question``, then ``value`` or ``not_applicable`` +
    ``justification``, optional ``evidence_url``/``evidence_note``; ``clear: true`` removes an answer."""
    assessment = _locked(assessment)
    _refuse_if_submitted(assessment)
    if not permissions.can_answer(actor, assessment.model):
        raise PermissionError_("Only the model's team may answer its assessments.")
    if not isinstance(answers, (list, tuple)):
        raise ValidationError({"answers": ["Send a list of answers."]})
    if len(answers) > 500:
        raise ValidationError({"answers": ["At most 500 answers per request."]})
    framework = assessment.framework
    questions = framework.questions()
    errors: list[str] = []
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, item in enumerate(answers):
        clean, problems = _validate_item(framework, questions, item, index)
        errors.extend(problems)
        if clean is not None:
            if clean["question"] in seen:
                errors.append(f"{clean['question']}: answered twice in one request.")
            seen.add(clean["question"])
            cleaned.append(clean)
    if errors:
        raise ValidationError({"answers": errors})

    existing = {a.question_id: a for a in assessment.answers.all()}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    now = timezone.now()
    for clean in cleaned:
        qid = clean.pop("question")
        current = existing.get(qid)
        if clean.pop("clear"):
            if current is not None:
                before[qid], after[qid] = _answer_state(current), None
                current.delete()
            continue
        if current is None:
            current = Answer(assessment=assessment, question_id=qid, answered_by=actor)
        old = _answer_state(current) if current.pk else None
        for key, value in clean.items():
            setattr(current, key, value)
        new = _answer_state(current)
        if old == new:
            continue
        current.answered_by = actor
        current.updated_at = now
        current.save()
        before[qid], after[qid] = old, new
    if after:
        assessment.save(update_fields=["updated_at"])
        audit_record(
            action="assessment.answers_changed",
            obj=assessment,
            model=assessment.model,
            before=before,
            after=after,
            actor=actor,
        )
    answered = assessment.answers.count()
    return {"changed": len(after), "answered": answered, "total": len(questions)}


def answer_map(assessment: Assessment) -> dict[str, float | None]:
    """The answers as the scoring engine takes them: ``{question_id: value}``, ``None`` for not applicable."""
    return {
        qid: (None if na else value)
        for qid, value, na in assessment.answers.values_list("question_id", "value", "not_applicable")
    }


def observation_statuses(assessment: Assessment) -> dict[str, str]:
    """What the platform observed for the assessment's questions: frozen with a submission, live for a draft."""
    from assessments import selectors

    if assessment.measurement is not None:
        return dict(assessment.measurement.observations.values_list("question_id", "status"))
    return {qid: o["status"] for qid, o in selectors.assessment_observations(assessment).items()}


def compute_result(assessment: Assessment, observations: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Score the assessment now (used for the preview of a draft and frozen at submission). Observed answers cap
    the declared ones (see ``domain.observed``)."""
    framework = assessment.framework
    if observations is None:
        observations = observation_statuses(assessment)
    declared = answer_map(assessment)
    result = scoring.score(framework.definition, declared, observations)
    answers = scoring_answers(framework, declared, observations)
    result["framework"].update({"version": framework.version, "edition": framework.edition})
    derived: dict[str, Any] = {}
    for slug in framework.definition.get("derive", []):
        target = Framework.objects.filter(slug=slug, is_current=True).first()
        if target is None:
            continue
        estimate = scoring.derive_result(target.definition, framework.definition, answers)
        estimate["framework"].update({"version": target.version, "edition": target.edition})
        derived[slug] = estimate
    result["derived"] = derived
    return result


def scoring_answers(
    framework: Framework, declared: Mapping[str, float | None], observations: Mapping[str, str]
) -> dict[str, float | None]:
    from assessments.domain.observed import apply_observations

    return apply_observations(framework.definition, declared, observations)[0]


def missing_required(assessment: Assessment, observations: Mapping[str, str] | None = None) -> list[str]:
    """Required questions neither answered nor observed (the platform answers an observed question)."""
    if observations is None:
        observations = observation_statuses(assessment)
    answered = set(assessment.answers.values_list("question_id", flat=True)) | set(observations)
    return [
        qid for qid, q in assessment.framework.questions().items() if q.get("required", True) and qid not in answered
    ]


@transaction.atomic
def assessment_submit(*, assessment: Assessment, actor: Actor) -> Assessment:
    """Freeze the assessment: refuse if required questions are unanswered; compute and store the explained result."""
    assessment = _locked(assessment)
    _refuse_if_submitted(assessment)
    if not permissions.can_answer(actor, assessment.model):
        raise PermissionError_("Only the model's team may submit its assessments.")
    measurement = None
    observations: dict[str, str] = {}
    if observable_questions(assessment.framework.definition):
        measurement = measurement_take(
            model=assessment.model, framework=assessment.framework, trigger="submission", actor=actor
        )
        observations = dict(measurement.observations.values_list("question_id", "status"))
    missing = missing_required(assessment, observations)
    if missing:
        raise IncompleteAssessment(missing)
    result = compute_result(assessment, observations)
    assessment.measurement = measurement
    assessment.result = result
    assessment.score = float(result["overall"]["normalised"])
    assessment.label = str(result["label"])[:200]
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_by = actor
    assessment.submitted_at = timezone.now()
    assessment.save()
    audit_record(
        action="assessment.submitted",
        obj=assessment,
        model=assessment.model,
        actor=actor,
        before={"status": AssessmentStatus.DRAFT},
        after={
            **_snapshot(assessment),
            "score": assessment.score,
            "label": assessment.label,
            "derived": {slug: r["label"] for slug, r in result["derived"].items()},
            "measurement": measurement.pk if measurement is not None else None,
            "contradictions": [c["question"] for c in result.get("contradictions", [])],
        },
    )
    return assessment
