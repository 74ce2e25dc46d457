"""The "maturity" promotion gate, contributed to the registry (registered in ``AssessmentsConfig.ready``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from registry.gates import GateResult

if TYPE_CHECKING:
    from registry.models import ModelVersion, PromotionPolicy


def maturity_gate(version: ModelVersion, policy: PromotionPolicy) -> GateResult:
    """Latest submitted assessment of the policy's framework for the version's model: recent enough and scoring at
    least the policy minimum (normalised 0..1)."""
    from assessments.selectors import latest_submitted

    slug = policy.maturity_framework or "lifecycle"
    latest = latest_submitted(model=version.model, framework_slug=slug)
    if latest is None:
        return GateResult("maturity", False, f"No submitted '{slug}' maturity assessment exists for {version.model}.")
    evidence = {"assessment": latest.pk}
    assert latest.submitted_at is not None, "latest_submitted returns submitted assessments only"
    age_days = (timezone.now() - latest.submitted_at).days
    where = f"Assessment #{latest.pk} ({latest.label}, submitted {latest.submitted_at:%Y-%m-%d})"
    if age_days > policy.max_assessment_age_days:
        return GateResult(
            "maturity",
            False,
            f"{where} is {age_days} days old; the policy accepts {policy.max_assessment_age_days}.",
            evidence=evidence,
        )
    if latest.score is None or latest.score < policy.min_maturity_score:
        return GateResult(
            "maturity",
            False,
            f"{where} scored {latest.score:.2f}, below the policy minimum {policy.min_maturity_score:.2f}.",
            evidence=evidence,
        )
    return GateResult(
        "maturity", True, f"{where} scored {latest.score:.2f} >= {policy.min_maturity_score:.2f}.", evidence=evidence
    )


MEASURED_MAX_AGE_DAYS = 7


def measured_maturity_gate(version: ModelVersion, policy: PromotionPolicy) -> GateResult:
    """The policy option to require the *measured* maturity (evidence rules alone, taken daily by Celery beat):
    listed as ``measured_maturity`` in the policy's gates, it passes when the model's latest measurement of the
    policy's framework is at most a week old and scores at least the policy minimum."""
    from assessments.selectors import latest_measurement

    slug = policy.maturity_framework or "lifecycle"
    latest = latest_measurement(model=version.model, framework_slug=slug)
    if latest is None:
        return GateResult(
            "measured_maturity",
            False,
            f"No measured '{slug}' maturity exists for {version.model} yet (measured daily).",
        )
    where = f"Measurement #{latest.pk} ({latest.measured_at:%Y-%m-%d}, {latest.observed} questions observed)"
    evidence = {"measurement": latest.pk}
    age_days = (timezone.now() - latest.measured_at).days
    if age_days > MEASURED_MAX_AGE_DAYS:
        return GateResult(
            "measured_maturity",
            False,
            f"{where} is {age_days} days old; the gate accepts {MEASURED_MAX_AGE_DAYS}.",
            evidence=evidence,
        )
    if latest.score is None or latest.score < policy.min_maturity_score:
        shown = "no score" if latest.score is None else f"{latest.score:.2f}"
        return GateResult(
            "measured_maturity",
            False,
            f"{where} measured {shown}, below the policy minimum {policy.min_maturity_score:.2f}.",
            evidence=evidence,
        )
    return GateResult(
        "measured_maturity",
        True,
        f"{where} measured {latest.score:.2f} >= {policy.min_maturity_score:.2f}.",
        evidence=evidence,
    )
