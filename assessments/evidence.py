"""Evidence rules about maturity assessments (registered with ``registry.evidence`` when this module is imported
from ``AssessmentsConfig.ready``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.urls import reverse

from assessments.models import Assessment, AssessmentStatus
from registry.evidence import EvidenceRef, Finding, Subject, model_ref, rule


def assessment_ref(assessment: Assessment) -> EvidenceRef:
    when = assessment.submitted_at or assessment.created_at
    return EvidenceRef(
        "assessment",
        str(assessment.pk),
        f"Assessment #{assessment.pk} ({assessment.framework.slug}, {when:%Y-%m-%d})",
        reverse("assessments:assessment-detail", args=[assessment.pk]),
    )


@rule(id="assessments.regular-review", version=1, title="Maturity reviewed on a schedule", app="assessments")
def regular_review(subject: Subject, params: Mapping[str, Any]) -> Finding:
    """The model's team submitted an assessment of the policy's framework within the policy's accepted age (default
    365 days), and it is not the first one (the review recurs); partly for a single or an outdated review."""
    slug = (subject.policy.maturity_framework if subject.policy else "") or "lifecycle"
    max_age = subject.policy.max_assessment_age_days if subject.policy else 365
    done = list(
        Assessment.objects.filter(model=subject.model, framework__slug=slug, status=AssessmentStatus.SUBMITTED)
        .select_related("framework")
        .order_by("-submitted_at", "-id")[:5]
    )
    if not done:
        return Finding(
            "no",
            f"No '{slug}' assessment of {subject.model.name} was ever submitted.",
            (
                model_ref(subject.model),
                EvidenceRef("assessment", "", "Assessments", reverse("assessments:assessment-list")),
            ),
        )
    refs = tuple(assessment_ref(a) for a in done[:3])
    latest = done[0]
    age = (subject.now - latest.submitted_at).days
    if latest.submitted_at < subject.now - timedelta(days=max_age):
        return Finding("partly", f"The latest '{slug}' review is {age} days old; the policy accepts {max_age}.", refs)
    if len(done) < 2:
        return Finding("partly", f"One '{slug}' review, {age} days ago; none before it.", refs)
    return Finding("yes", f"{len(done)}+ '{slug}' reviews; the latest {age} days ago (policy: {max_age}).", refs)
