"""The "drift" promotion gate, registered with the registry from ``MonitoringConfig.ready``."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from registry.gates import GateResult

if TYPE_CHECKING:
    from registry.models import ModelVersion, PromotionPolicy


def drift_gate(version: ModelVersion, policy: PromotionPolicy) -> GateResult:
    """Passes when the latest succeeded drift check on this exact version is recent and found no dataset drift."""
    from monitoring.selectors import latest_check

    check = latest_check(version=version)
    if check is None:
        return GateResult("drift", False, f"No succeeded drift check on {version}: upload a current batch and run one.")
    evidence = {"drift_check": check.pk}
    max_age = timedelta(days=policy.max_drift_check_age_days)
    assert check.finished_at is not None, "latest_check returns succeeded (finished) checks only"
    age = timezone.now() - check.finished_at
    if age > max_age:
        return GateResult(
            "drift",
            False,
            f"The latest drift check (#{check.pk}) finished {age.days} days ago; the policy allows "
            f"{policy.max_drift_check_age_days}.",
            evidence=evidence,
        )
    if check.dataset_drift:
        return GateResult(
            "drift",
            False,
            f"The latest drift check (#{check.pk}) found dataset drift: {check.drifted_count} of "
            f"{check.column_count} columns (share {check.drift_share:.2f} >= {check.drift_share_threshold:.2f}).",
            evidence=evidence,
        )
    return GateResult(
        "drift",
        True,
        f"Drift check #{check.pk} on {check.finished_at:%Y-%m-%d}: no dataset drift "
        f"({check.drifted_count} of {check.column_count} columns, share {check.drift_share:.2f}).",
        evidence=evidence,
    )
