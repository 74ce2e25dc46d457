"""Measured maturity: observe the evidence rules for a model or the portfolio, store and audit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from assessments.domain import scoring
from assessments.domain.observed import measured_score
from assessments.models import Framework, Measurement, Observation
from assessments.services.frameworks import current_framework
from mlops_gov.actors import Actor
from registry.audit import audit_record
from registry.evidence import subject_for
from registry.models import RegisteredModel

logger = logging.getLogger(__name__)


# --- measured maturity ----------------------------------------------------------------------------------------------


@transaction.atomic
def measurement_take(
    *, model: RegisteredModel, trigger: str = "manual", actor: Actor | None = None, framework: Framework | None = None
) -> Measurement:
    """Run the evidence rules of ``framework`` (default: the current version of the model's policy framework) on the
    model and store what they observed, each observation with its rule, rule version, evidence ids and time."""
    from assessments import selectors

    if framework is None:
        framework = current_framework(selectors.policy_framework(model))
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
    *, measurements: Sequence[Measurement], trigger: str = "manual", actor: Actor | None = None
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


def measurements_take_all(*, trigger: str = "beat", actor: Actor | None = None) -> dict[str, Any]:
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
