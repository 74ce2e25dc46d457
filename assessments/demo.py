"""Demo assessments: for each demo model a history of submitted lifecycle assessments (spread over months, so the
trend chart has a shape) and one ML Test Score assessment, answered by the model's team. Once every app has seeded
its data (``finish``): the maturity of every model and of the portfolio measured from that evidence, and a fourth
review of the production model answered against what the platform observes."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments import builtin, services
from assessments.models import Assessment, Framework, Measurement
from registry.models import RegisteredModel

# model -> (starting maturity, how much each round improves); diabetes stays low so its maturity gate fails
PROFILES = {
    "breast-cancer-screening": (0.45, 0.25),
    "wine-quality-classifier": (0.35, 0.2),
    "diabetes-progression": (0.15, 0.12),
}
ROUNDS_DAYS_AGO = (160, 90, 12)
NA_JUSTIFICATION = "Batch scoring without live traffic to split; compared offline on the last quarter instead."


def _value(index: int, salt: int, level: float) -> float:
    """A deterministic answer: practices vary around the model's level."""
    spread = ((index * 37 + salt * 11) % 10) / 10 - 0.45
    score = level + spread
    return 1.0 if score >= 0.7 else 0.5 if score >= 0.3 else 0.0


def _answers(framework: Framework, level: float, salt: int, model_name: str) -> list[dict]:
    items = []
    for index, qid in enumerate(framework.questions()):
        if qid == "dep.ab" and model_name == "wine-quality-classifier":
            items.append({"question": qid, "not_applicable": True, "justification": NA_JUSTIFICATION})
            continue
        item = {"question": qid, "value": _value(index, salt, level)}
        if item["value"] == 1.0 and index % 5 == 0:
            item["evidence_url"] = f"https://wiki.example.org/clinical-ml/{model_name}/{qid}"
        if item["value"] == 0.5 and index % 4 == 0:
            item["evidence_note"] = "Done by hand before each release; checklist in the release ticket."
        items.append(item)
    return items


def _backdate(assessment: Assessment, days_ago: int) -> None:
    # Demo only: spread the history over months (the audit trail keeps the real times of the demo run).
    at = timezone.now() - timedelta(days=days_ago)
    Assessment.objects.filter(pk=assessment.pk).update(created_at=at - timedelta(hours=3), submitted_at=at)


def seed(stdout) -> None:
    if not Framework.objects.filter(is_current=True).exists():
        builtin.load()
    User = get_user_model()
    dana, eli = User.objects.get(username="dana"), User.objects.get(username="eli")
    lifecycle = Framework.objects.get(slug="lifecycle", is_current=True)
    mlts = Framework.objects.get(slug="ml-test-score", is_current=True)
    for name, (start, step) in PROFILES.items():
        model = RegisteredModel.objects.filter(name=name).first()
        if model is None or model.assessments.exists():
            continue
        latest_version = model.versions.order_by("-version").first()
        for round_index, days_ago in enumerate(ROUNDS_DAYS_AGO):
            actor = dana if round_index % 2 == 0 else eli
            assessment = services.assessment_create(
                model=model,
                actor=actor,
                framework_slug="lifecycle",
                model_version=latest_version,
                notes=f"Quarterly maturity review, round {round_index + 1}.",
            )
            level = start + step * round_index
            services.answers_save(assessment=assessment, actor=actor, answers=_answers(lifecycle, level, 1, name))
            services.assessment_submit(assessment=assessment, actor=actor)
            _backdate(assessment, days_ago)
        assessment = services.assessment_create(model=model, actor=eli, framework_slug="ml-test-score")
        services.answers_save(assessment=assessment, actor=eli, answers=_answers(mlts, start + step, 2, name))
        services.assessment_submit(assessment=assessment, actor=eli)
        _backdate(assessment, 20)
        latest = model.assessments.filter(framework__slug="lifecycle").latest("submitted_at")
        stdout.write(f"  assessed {name}: lifecycle {latest.score:.2f} ({latest.label}), {len(ROUNDS_DAYS_AGO)} rounds")


def finish(stdout) -> None:
    """Measure every model and the portfolio from the seeded evidence; then the production model's team submits
    round 4 of its review, where a declared answer above the observed evidence is flagged and scored as observed."""
    if Measurement.objects.filter(trigger="demo").exists():
        return
    summary = services.measurements_take_all(trigger="demo")
    stdout.write(f"  measured {summary['measured']} models; portfolio {summary['portfolio']}")
    model = RegisteredModel.objects.filter(name="breast-cancer-screening", versions__stage="production").first()
    if model is None:
        return
    dana = get_user_model().objects.get(username="dana")
    start, step = PROFILES[model.name]
    assessment = services.assessment_create(
        model=model,
        actor=dana,
        framework_slug="lifecycle",
        model_version=model.versions.get(stage="production"),
        notes="Quarterly maturity review, round 4: answers checked against what the platform observes.",
    )
    lifecycle = assessment.framework
    level = start + step * len(ROUNDS_DAYS_AGO)
    services.answers_save(assessment=assessment, actor=dana, answers=_answers(lifecycle, level, 1, model.name))
    services.assessment_submit(assessment=assessment, actor=dana)
    assessment.refresh_from_db()
    flagged = len((assessment.result or {}).get("contradictions", []))
    stdout.write(
        f"  {model.name} round 4: {assessment.score:.2f} ({assessment.label}), "
        f"{assessment.measurement.observed if assessment.measurement else 0} questions observed, "
        f"{flagged} declared answers above the evidence"
    )
