"""Assessment services: every write (framework loads, assessments, answers, submissions), each in one transaction
with its audit event."""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from assessments import permissions
from assessments.domain import scoring
from assessments.domain.observed import measured_score, observable_questions
from assessments.domain.schema import validate_framework
from assessments.models import Answer, Assessment, AssessmentStatus, Framework, Measurement, Observation
from mlops_gov.errors import ConflictError, DomainError, NotFoundError, PermissionError_
from registry.audit import audit_record
from registry.evidence import registered_rules, subject_for
from registry.models import ModelVersion, RegisteredModel

logger = logging.getLogger(__name__)

MAX_FRAMEWORK_BYTES = 512 * 1024
MAX_TEXT = 4000
_url_validator = URLValidator(schemes=["http", "https"])


class FrameworkInvalid(DomainError):
    """A framework file refused, with every problem found (each prefixed with its location)."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        shown = "; ".join(self.errors[:50]) + (f"; ... {len(self.errors) - 50} more" if len(self.errors) > 50 else "")
        super().__init__(f"The framework file is invalid ({len(self.errors)} problem(s)): {shown}")


class IncompleteAssessment(DomainError):
    def __init__(self, missing: Sequence[str]):
        self.missing = list(missing)
        super().__init__(
            f"{len(self.missing)} required question(s) are unanswered: {', '.join(self.missing)}. "
            "Answer them (or mark them not applicable where allowed) before submitting."
        )


# --- frameworks -----------------------------------------------------------------------------------------------------


def installed_rules() -> dict[str, int]:
    """Evidence rule id -> version, of the rules the apps installed (what a framework question may name)."""
    return {rule_id: found.version for rule_id, found in registered_rules().items()}


def parse_framework_text(content: bytes | str, name: str = "upload") -> Any:
    """Parse a YAML or JSON framework file (JSON is YAML); refuse oversize or unparsable files with a clear error."""
    raw = content.encode() if isinstance(content, str) else content
    if len(raw) > MAX_FRAMEWORK_BYTES:
        raise FrameworkInvalid([f"{name}: the file is {len(raw)} bytes; the limit is {MAX_FRAMEWORK_BYTES}."])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FrameworkInvalid([f"{name}: the file is not UTF-8 text."]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FrameworkInvalid([f"{name}: not valid YAML or JSON: {exc}"]) from None


def canonical_sha256(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _check_json_safe(document: Any) -> list[str]:
    try:
        json.dumps(document, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return [f"(document): contains a value that is not plain JSON data ({exc})."]
    return []


@transaction.atomic
def framework_load(
    *, document: Any, actor=None, source_name: str = "", builtin: bool = False
) -> tuple[Framework, bool]:
    """Validate and store a framework document. Unchanged content is a no-op; changed content becomes a new
    version (the current one); older versions stay for the assessments answered against them."""
    errors = validate_framework(document, installed_rules()) or _check_json_safe(document)
    if errors:
        raise FrameworkInvalid(errors)
    sha = canonical_sha256(document)
    slug = document["slug"]
    # Serialise loads of one slug (the current row, if any, is locked).
    list(Framework.objects.select_for_update().filter(slug=slug, is_current=True))
    existing = Framework.objects.filter(slug=slug, sha256=sha).first()
    if existing is not None:
        if existing.is_current:
            return existing, False
        Framework.objects.filter(slug=slug, is_current=True).update(is_current=False)
        existing.is_current = True
        existing.save(update_fields=["is_current"])
        audit_record(
            action="framework.reinstated",
            obj=existing,
            actor=actor,
            after={"slug": slug, "version": existing.version, "sha256": sha, "source": source_name},
        )
        return existing, True
    number = (Framework.objects.filter(slug=slug).aggregate(n=Max("version"))["n"] or 0) + 1
    Framework.objects.filter(slug=slug, is_current=True).update(is_current=False)
    framework = Framework.objects.create(
        slug=slug,
        version=number,
        name=document["name"],
        edition=document["edition"],
        method=document["method"],
        definition=document,
        sha256=sha,
        is_current=True,
        builtin=builtin,
        source_name=source_name[:255],
    )
    audit_record(
        action="framework.loaded",
        obj=framework,
        actor=actor,
        after={
            "slug": slug,
            "version": number,
            "edition": document["edition"],
            "sha256": sha,
            "source": source_name,
            "questions": framework.question_count,
        },
    )
    return framework, True


@transaction.atomic
def frameworks_load_files(*, files: Iterable[tuple[str, bytes | str]], actor=None, builtin: bool = False) -> list:
    """Load several files all-or-nothing: every file is parsed and validated before anything is written."""
    parsed: list[tuple[str, Any]] = []
    errors: list[str] = []
    slugs: dict[str, str] = {}
    for name, content in files:
        try:
            document = parse_framework_text(content, name)
        except FrameworkInvalid as exc:
            errors.extend(exc.errors)
            continue
        problems = validate_framework(document, installed_rules()) or _check_json_safe(document)
        errors.extend(f"{name}: {p}" for p in problems)
        if not problems:
            if document["slug"] in slugs:
                errors.append(f"{name}: slug '{document['slug']}' is also defined by {slugs[document['slug']]}.")
            slugs[document["slug"]] = name
            parsed.append((name, document))
    if errors:
        raise FrameworkInvalid(errors)
    return [framework_load(document=doc, actor=actor, source_name=name, builtin=builtin) for name, doc in parsed]


def builtin_framework_files() -> list[tuple[str, bytes]]:
    folder = Path(__file__).resolve().parent / "frameworks"
    return [(path.name, path.read_bytes()) for path in sorted(folder.glob("*.yaml"))]


# --- assessments ----------------------------------------------------------------------------------------------------


def _current_framework(slug: str) -> Framework:
    framework = Framework.objects.filter(slug=slug, is_current=True).first()
    if framework is None:
        raise NotFoundError(f"No framework '{slug}' is loaded (run manage.py load_frameworks).")
    return framework


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
    actor,
    framework_slug: str = "lifecycle",
    model_version: ModelVersion | None = None,
    notes: str = "",
) -> Assessment:
    if not permissions.can_start(actor, model):
        raise PermissionError_("Only the model's team (with an author role) may start an assessment of it.")
    framework = _current_framework(framework_slug)
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


def _validate_item(framework: Framework, questions: dict, item: Any, index: int) -> tuple[dict | None, list[str]]:
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
            errors.append(f"{where}: evidence_url must be an http(s) URL.")
        if len(evidence_url) > 1000:
            errors.append(f"{where}: evidence_url is longer than 1000 characters.")
    if not_applicable:
        if not question.get("allow_na", False):
            errors.append(f"{where}: this question does not allow 'not applicable'.")
        if not justification:
            errors.append(f"{where}: give a reason for 'not applicable' (it needs a justification).")
        if value is not None:
            errors.append(f"{where}: give either a value or 'not applicable', not both.")
        value = None
    else:
        allowed = [float(o["value"]) for o in framework.definition["scales"][question["scale"]]]
        if value is None:
            errors.append(
                f"{where}: give a value ({', '.join(f'{v:g}' for v in allowed)}), 'not applicable' or 'clear'."
            )
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            errors.append(f"{where}: the value must be a number on the scale ({', '.join(f'{v:g}' for v in allowed)}).")
        elif not any(abs(float(value) - v) < 1e-9 for v in allowed):
            errors.append(
                f"{where}: {value:g} is not on the scale '{question['scale']}' "
                f"(allowed: {', '.join(f'{v:g}' for v in allowed)})."
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
def answers_save(*, assessment: Assessment, actor, answers: Sequence[Any]) -> dict[str, Any]:
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
def assessment_submit(*, assessment: Assessment, actor) -> Assessment:
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


# --- measured maturity ----------------------------------------------------------------------------------------------


@transaction.atomic
def measurement_take(
    *, model: RegisteredModel, trigger: str = "manual", actor=None, framework: Framework | None = None
) -> Measurement:
    """Run the evidence rules of ``framework`` (default: the current version of the model's policy framework) on the
    model and store what they observed, each observation with its rule, rule version, evidence ids and time."""
    from assessments import selectors

    if framework is None:
        framework = _current_framework(selectors.policy_framework(model))
    subject = subject_for(model)
    found = selectors.observe(subject, framework)
    statuses = {o["question"]: o["status"] for o in found}
    measured = measured_score(framework.definition, statuses)
    measured["not_observed"] = selectors.unobservable(framework)
    measurement = Measurement.objects.create(
        model=model,
        model_version=subject.version,
        framework=framework,
        trigger=trigger[:16],
        measured_at=subject.now,
        score=measured["normalised"],
        label=measured["label"][:200],
        observed=measured["observed"],
        observable=measured["observable"],
        result=measured,
    )
    Observation.objects.bulk_create(
        [
            Observation(
                measurement=measurement,
                question_id=o["question"],
                rule=o["rule"],
                rule_version=o["rule_version"],
                status=o["status"],
                value=o["value"],
                detail=o["detail"][:4000],
                evidence=o["evidence"],
                observed_at=subject.now,
            )
            for o in found
        ]
    )
    audit_record(
        action="maturity.measured",
        obj=measurement,
        model=model,
        actor=actor,
        after={
            "framework": framework.slug,
            "framework_version": framework.version,
            "model_version": subject.version.version if subject.version else None,
            "trigger": measurement.trigger,
            "score": measurement.score,
            "label": measurement.label,
            "observations": {
                o["question"]: {
                    "rule": o["rule"],
                    "rule_version": o["rule_version"],
                    "status": o["status"],
                    "evidence": [f"{e['kind']}:{e['id']}" for e in o["evidence"] if e["id"]],
                }
                for o in found
            },
        },
    )
    return measurement


@transaction.atomic
def portfolio_measurement_take(
    *, measurements: Sequence[Measurement], trigger: str = "manual", actor=None
) -> Measurement | None:
    """The portfolio's measured maturity: the mean of the models' measured scores in this run."""
    scored = [m for m in measurements if m.score is not None and m.model_id is not None]
    framework = Framework.objects.filter(slug="lifecycle", is_current=True).first()
    if framework is None and measurements:
        framework = measurements[0].framework
    if framework is None:
        return None
    score = round(sum(m.score for m in scored) / len(scored), 6) if scored else None  # type: ignore[misc]
    label = ""
    if score is not None and framework.definition.get("bands"):
        label = scoring.band_for(framework.definition["bands"], score)[1]["label"]
    models_ = [
        {"model": m.model.name, "measurement": m.pk, "score": m.score, "label": m.label, "framework": m.framework.slug}
        for m in measurements
        if m.model is not None
    ]
    measurement = Measurement.objects.create(
        model=None,
        framework=framework,
        trigger=trigger[:16],
        score=score,
        label=label[:200],
        observed=sum(m.observed for m in measurements),
        observable=sum(m.observable for m in measurements),
        result={"normalised": score, "label": label, "models": models_},
    )
    audit_record(
        action="maturity.measured",
        obj=measurement,
        actor=actor,
        after={"portfolio": True, "score": score, "label": label, "models": {r["model"]: r["score"] for r in models_}},
    )
    return measurement


def measurements_take_all(*, trigger: str = "beat", actor=None) -> dict[str, Any]:
    """Measure every registered model (each in its own transaction; one failing model does not stop the others),
    then the portfolio."""
    taken: list[Measurement] = []
    failed: list[str] = []
    for model in RegisteredModel.objects.order_by("name"):
        try:
            taken.append(measurement_take(model=model, trigger=trigger, actor=actor))
        except Exception:
            logger.exception("measuring the maturity of %s failed", model.name)
            failed.append(model.name)
    portfolio = portfolio_measurement_take(measurements=taken, trigger=trigger, actor=actor)
    return {
        "measured": len(taken),
        "failed": failed,
        "portfolio": portfolio.score if portfolio is not None else None,
    }
