"""Observed and measured maturity reads, and the policy's framework (a contract with the registry)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from assessments.domain.observed import observable_questions, observed_value
from assessments.domain.scoring import scale_values
from assessments.localise import localised_definition, rule_title
from assessments.models import Assessment, AssessmentStatus, Framework, Measurement
from assessments.selectors.assessments import REPORT_MAX_ASSESSMENTS, history, latest_submitted
from registry.evidence import Subject, get_rule, run_rule
from registry.models import RegisteredModel

# --- contracts with other apps --------------------------------------------------------------------------------------


def policy_framework(model: RegisteredModel) -> str:
    """The slug of the framework the model's promotion policy judges maturity by."""
    from registry.models import PromotionPolicy

    policy = PromotionPolicy.objects.filter(risk_tier=model.risk_tier).only("maturity_framework").first()
    return (policy.maturity_framework if policy else "") or "lifecycle"


# --- observed and measured maturity ---------------------------------------------------------------------------------


def unobservable(framework: Framework) -> list[dict[str, Any]]:
    """Questions naming a rule that cannot run as named (not installed, or installed at another version)."""
    out = []
    for qid, evidence in observable_questions(framework.definition).items():
        installed = get_rule(evidence["rule"])
        if installed is None:
            out.append({"question": qid, "rule": evidence["rule"], "reason": "rule not installed"})
        elif installed.version != evidence["version"]:
            out.append(
                {
                    "question": qid,
                    "rule": evidence["rule"],
                    "reason": f"the framework names v{evidence['version']}, the installed rule is v{installed.version}",
                }
            )
    return out


def observe(subject: Subject, framework: Framework) -> list[dict[str, Any]]:
    """Run the evidence rules the framework's questions name on ``subject``: one observation per question whose rule
    is installed at the version the framework names (others are listed by ``unobservable``)."""
    questions = framework.questions()
    found = []
    for qid, evidence in observable_questions(framework.definition).items():
        installed = get_rule(evidence["rule"])
        if installed is None or installed.version != evidence["version"]:
            continue
        finding = run_rule(evidence["rule"], subject, evidence.get("params"))
        values = scale_values(framework.definition, questions[qid])
        found.append(
            {
                "question": qid,
                "dimension": questions[qid]["dimension"],
                "rule": installed.id,
                "rule_version": installed.version,
                "title": rule_title(installed.title),
                "status": finding.status,
                "value": observed_value(values, finding.status),
                "detail": finding.detail,
                "evidence": [{"kind": e.kind, "id": e.id, "label": e.label, "url": e.url} for e in finding.evidence],
                "observed_at": subject.now,
            }
        )
    return found


def assessment_observations(assessment: Assessment) -> dict[str, dict[str, Any]]:
    """``{question_id: observation}`` for an assessment: frozen with its submission, live for a draft, none for a
    submission made before observations were recorded."""
    from registry.evidence import subject_for

    if assessment.measurement is not None:
        found = observations_of(assessment.measurement)
    elif assessment.is_submitted:
        found = []
    else:
        found = observe(subject_for(assessment.model), assessment.framework)
    return {o["question"]: o for o in found}


def observations_of(measurement: Measurement) -> list[dict[str, Any]]:
    """A stored measurement's observations in the shape ``observe`` returns (with the question texts)."""
    questions = measurement.framework.questions()
    texts = {
        q["id"]: q["text"]
        for d in localised_definition(measurement.framework.definition)["dimensions"]
        for q in d["questions"]
    }
    rows = []
    for o in measurement.observations.all():
        question = questions.get(o.question_id, {})
        installed = get_rule(o.rule)
        rows.append(
            {
                "question": o.question_id,
                "dimension": question.get("dimension", ""),
                "text": texts.get(o.question_id, question.get("text", "")),
                "rule": o.rule,
                "rule_version": o.rule_version,
                "title": rule_title(installed.title) if installed is not None else o.rule,
                "status": o.status,
                "value": o.value,
                "detail": o.detail,
                "evidence": o.evidence,
                "observed_at": o.observed_at,
            }
        )
    return rows


def measurements(*, model: RegisteredModel | None = None, portfolio: bool = False) -> QuerySet[Measurement]:
    qs = Measurement.objects.select_related("model", "framework", "model_version")
    if portfolio:
        qs = qs.filter(model__isnull=True)
    elif model is not None:
        qs = qs.filter(model=model)
    return qs.order_by("-measured_at", "-id")


def latest_measurement(*, model: RegisteredModel, framework_slug: str | None = None) -> Measurement | None:
    qs = measurements(model=model)
    if framework_slug:
        qs = qs.filter(framework__slug=framework_slug)
    return qs.first()


def measured_rows() -> list[dict[str, Any]]:
    """Each model's latest measured score (of its policy's framework) beside its latest declared one."""
    rows = []
    for model in RegisteredModel.objects.order_by("name"):
        slug = policy_framework(model)
        measured = latest_measurement(model=model, framework_slug=slug)
        declared = latest_submitted(model=model, framework_slug=slug)
        rows.append({"model": model, "framework_slug": slug, "measured": measured, "declared": declared})
    return rows


def _declared_means(moments: list[datetime]) -> list[float | None]:
    """The portfolio's declared maturity at each moment: the mean of each model's latest submitted score (of its
    policy's framework) submitted by then."""
    if not moments:
        return []
    from registry.models import PromotionPolicy

    by_tier = {p.risk_tier: p.maturity_framework or "lifecycle" for p in PromotionPolicy.objects.all()}
    slugs = {pk: by_tier.get(tier, "lifecycle") for pk, tier in RegisteredModel.objects.values_list("pk", "risk_tier")}
    submissions = list(
        Assessment.objects.filter(status=AssessmentStatus.SUBMITTED, submitted_at__lte=max(moments))
        .order_by("submitted_at", "id")
        .values_list("submitted_at", "model_id", "framework__slug", "score")
    )
    means: list[float | None] = []
    for at in moments:
        latest: dict[int, float] = {}
        for submitted_at, model_id, slug, value in submissions:
            if submitted_at is not None and submitted_at <= at and slugs.get(model_id) == slug and value is not None:
                latest[model_id] = value
        means.append(round(sum(latest.values()) / len(latest), 6) if latest else None)
    return means


def measured_vs_declared(
    *, model: RegisteredModel | None, framework_slug: str = "lifecycle", limit: int = REPORT_MAX_ASSESSMENTS
) -> dict[str, Any]:
    """The measured score over time beside the declared one (submitted assessments), with a trend chart. ``model``
    None: the portfolio (declared = the mean of each model's latest declared score at each measurement)."""
    if model is None:
        rows = list(measurements(portfolio=True)[:limit])
    else:
        rows = list(measurements(model=model).filter(framework__slug=framework_slug)[:limit])
    rows.reverse()
    measured_points = [(m.measured_at, m.score) for m in rows]
    declared_points: list[tuple[datetime, float | None]] = []
    if model is not None:
        declared_points = [(p["submitted_at"], p["score"]) for p in history(model=model, framework_slug=framework_slug)]
    else:
        moments = [m.measured_at for m in rows]
        declared_points = list(zip(moments, _declared_means(moments), strict=True))
    series: dict[str, list[tuple[datetime, float | None]]] = {}
    if measured_points:
        series[_("measured")] = measured_points
    if declared_points:
        series[_("declared")] = declared_points
    title = _("%(subject)s: measured and declared maturity") % {"subject": model.name if model else _("Portfolio")}
    latest = rows[-1] if rows else None
    declared = latest_submitted(model=model, framework_slug=framework_slug) if model is not None else None
    return {
        "latest": latest,
        "declared": declared,
        "declared_mean": declared_points[-1][1] if model is None and declared_points else None,
        "points": [{"id": m.pk, "measured_at": m.measured_at, "score": m.score, "label": m.label} for m in rows],
        "trend": {"series": series, "title": title} if series else None,
    }
