"""Assessment reads: lists, the latest submitted assessment, comparisons, history, report and dashboard data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse

from assessments import charts
from assessments.domain.observed import observable_questions, observed_value
from assessments.domain.scoring import scale_values
from assessments.models import Assessment, AssessmentStatus, Framework, Measurement
from registry.evidence import Subject, get_rule, run_rule
from registry.models import ModelVersion, RegisteredModel

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
    *, model: RegisteredModel | None = None, framework_slug: str = "", status: str = "", created_by=None
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
    dimensions = []
    for dim in current_result["dimensions"]:
        old = before_dims.get(dim["id"], {})
        now_value, old_value = dim.get("normalised"), old.get("normalised")
        delta = None if now_value is None or old_value is None else round(now_value - old_value, 4)
        dimensions.append(
            {"id": dim["id"], "name": dim["name"], "current": now_value, "previous": old_value, "delta": delta}
        )
    current_answers = {a.question_id: a for a in assessment.answers.all()}
    previous_answers = {a.question_id: a for a in previous.answers.all()} if previous is not None else {}
    questions = []
    for dimension in assessment.framework.definition["dimensions"]:
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
    radar = charts.radar_svg(
        [d["name"] for d in dimensions],
        [d["current"] for d in dimensions],
        previous=[d["previous"] for d in dimensions] if previous is not None else None,
        current_label=f"#{assessment.pk}",
        previous_label=f"#{previous.pk}" if previous is not None else "",
    )
    return {
        "current": assessment,
        "previous": previous,
        "current_result": current_result,
        "previous_result": previous_result or None,
        "dimensions": dimensions,
        "questions": questions,
        "radar_svg": radar,
    }


def _shown(answer) -> str:
    if answer is None:
        return "—"
    return "N/A" if answer.not_applicable else f"{answer.value:g}"


def history(*, model: RegisteredModel, framework_slug: str, limit: int = REPORT_MAX_ASSESSMENTS) -> list[dict]:
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
    return [
        {
            "id": a.pk,
            "submitted_at": a.submitted_at,
            "submitted_by": a.submitted_by.get_username() if a.submitted_by else "",
            "score": a.score,
            "label": a.label,
            "framework_version": a.framework.version,
            "dimensions": {d["id"]: d for d in (a.result or {}).get("dimensions", [])},
            "derived": {slug: r.get("label", "") for slug, r in (a.result or {}).get("derived", {}).items()},
        }
        for a in rows
    ]


def history_charts(points: list[dict], *, title: str = "") -> dict[str, str]:
    """A trend line (overall + each dimension) and a radar of the latest submission (dashed: the one before)."""
    if not points:
        return {"trend_svg": "", "radar_svg": ""}
    latest = points[-1]
    dim_ids = list(latest["dimensions"])
    names = {k: v["name"] for k, v in latest["dimensions"].items()}
    series: dict[str, list[tuple[datetime, float | None]]] = {
        "overall": [(p["submitted_at"], p["score"]) for p in points]
    }
    for dim_id in dim_ids:
        series[names[dim_id]] = [(p["submitted_at"], p["dimensions"].get(dim_id, {}).get("normalised")) for p in points]
    previous = points[-2] if len(points) > 1 else None
    radar = charts.radar_svg(
        [names[d] for d in dim_ids],
        [latest["dimensions"][d].get("normalised") for d in dim_ids],
        previous=[previous["dimensions"].get(d, {}).get("normalised") for d in dim_ids] if previous else None,
        current_label=f"#{latest['id']}",
        previous_label=f"#{previous['id']}" if previous else "",
    )
    return {"trend_svg": charts.trend_svg(series, title=title), "radar_svg": radar}


# --- contracts with other apps --------------------------------------------------------------------------------------


def policy_framework(model: RegisteredModel) -> str:
    """The slug of the framework the model's promotion policy judges maturity by."""
    from registry.models import PromotionPolicy

    policy = PromotionPolicy.objects.filter(risk_tier=model.risk_tier).only("maturity_framework").first()
    return (policy.maturity_framework if policy else "") or "lifecycle"


_policy_framework = policy_framework


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
                "title": installed.title,
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
    rows = []
    for o in measurement.observations.all():
        question = questions.get(o.question_id, {})
        installed = get_rule(o.rule)
        rows.append(
            {
                "question": o.question_id,
                "dimension": question.get("dimension", ""),
                "text": question.get("text", ""),
                "rule": o.rule,
                "rule_version": o.rule_version,
                "title": installed.title if installed is not None else o.rule,
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
        series["measured"] = measured_points
    if declared_points:
        series["declared"] = declared_points
    title = f"{model.name if model else 'Portfolio'}: measured and declared maturity"
    latest = rows[-1] if rows else None
    declared = latest_submitted(model=model, framework_slug=framework_slug) if model is not None else None
    return {
        "latest": latest,
        "declared": declared,
        "declared_mean": declared_points[-1][1] if model is None and declared_points else None,
        "points": [{"id": m.pk, "measured_at": m.measured_at, "score": m.score, "label": m.label} for m in rows],
        "trend_svg": charts.trend_svg(series, title=title) if series else "",
    }


def report_context(*, version: ModelVersion) -> dict[str, Any]:
    """Everything the report's maturity section needs for ``version``'s model: the latest submitted assessment of
    each framework with its gaps and next steps, the history of the policy's framework, charts as inline SVG."""
    model = version.model
    slug = _policy_framework(model)
    latest_by_framework = []
    for framework in framework_list():
        latest = latest_submitted(model=model, framework_slug=framework.slug)
        if latest is not None:
            latest_by_framework.append(latest)
    latest_by_framework.sort(key=lambda a: (a.framework.slug != slug, a.framework.slug))
    points = history(model=model, framework_slug=slug)
    charts_ = history_charts(points, title=f"{model.name}: {slug} maturity over time")
    measured = measured_vs_declared(model=model, framework_slug=slug)
    latest_measured = measured["latest"]
    primary = latest_by_framework[0] if latest_by_framework and latest_by_framework[0].framework.slug == slug else None
    result = (primary.result if primary is not None else None) or {}
    return {
        "model_name": model.name,
        "framework_slug": slug,
        "has_data": bool(latest_by_framework) or latest_measured is not None,
        "measured": (
            {
                "id": latest_measured.pk,
                "score": latest_measured.score,
                "label": latest_measured.label,
                "measured_at": latest_measured.measured_at,
                "observed": latest_measured.observed,
                "observable": latest_measured.observable,
                "counts": (latest_measured.result or {}).get("counts", {}),
                "declared": primary.score if primary is not None else None,
                "observations": observations_of(latest_measured),
                "history": measured["points"],
                "trend_svg": measured["trend_svg"],
            }
            if latest_measured is not None
            else None
        ),
        "latest": [
            {
                "id": a.pk,
                "framework": a.framework.name,
                "framework_slug": a.framework.slug,
                "framework_version": a.framework.version,
                "submitted_at": a.submitted_at,
                "score": a.score,
                "label": a.label,
                "summary": (a.result or {}).get("summary", ""),
            }
            for a in latest_by_framework
        ],
        "primary": (
            {
                "id": primary.pk,
                "score": primary.score,
                "label": primary.label,
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
        "trend_svg": charts_["trend_svg"],
        "radar_svg": charts_["radar_svg"],
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
        return {**row, "maturity_score": None, "maturity_label": "not assessed", "assessed_at": None}
    return {**row, "maturity_score": latest.score, "maturity_label": latest.label, "assessed_at": latest.submitted_at}


def dashboard_cards(*, user) -> list[dict[str, Any]]:
    if not (user and user.is_authenticated and user.has_perm("assessments.view_assessment")):
        return []
    submitted_qs = Assessment.objects.filter(status=AssessmentStatus.SUBMITTED)
    models_total = RegisteredModel.objects.count()
    assessed = submitted_qs.values("model").distinct().count()
    drafts = Assessment.objects.filter(status=AssessmentStatus.DRAFT).count()
    url = reverse("assessments:assessment-list")
    portfolio = measurements(portfolio=True).first()
    measured_card = {
        "label": "Measured maturity",
        "value": f"{portfolio.score * 100:.0f}%" if portfolio is not None and portfolio.score is not None else "—",
        "url": reverse("assessments:measured-overview"),
        "note": (
            f"portfolio, from the evidence on {portfolio.measured_at:%Y-%m-%d}"
            if portfolio is not None
            else "not measured yet (daily)"
        ),
    }
    return [
        {
            "label": "Models assessed",
            "value": f"{assessed} / {models_total}",
            "url": url,
            "note": "with at least one submitted maturity assessment",
        },
        {"label": "Assessment drafts", "value": drafts, "url": url + "?status=draft", "note": "open questionnaires"},
        measured_card,
    ]


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


def _answers_with_questions(assessment: Assessment):
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


def export_rows(assessment: Assessment):
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


def needs_me(*, user) -> list[dict[str, Any]]:
    """The draft assessments this user started and has not submitted."""
    if not (user and user.is_authenticated and user.has_perm("assessments.add_assessment")):
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
