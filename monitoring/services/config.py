"""Monitoring configuration of a model: drift settings, quality thresholds, schedule options."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from mlops_gov.actors import Actor
from mlops_gov.errors import DomainError
from monitoring import permissions
from monitoring.domain.drift import DriftConfig
from monitoring.models import MonitoringConfig
from monitoring.services.common import require
from registry.audit import audit_record
from registry.models import RegisteredModel


def drift_config_validate(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DomainError("The drift configuration must be a JSON object.")
    try:
        return DriftConfig.from_dict(data).to_dict()
    except (ValueError, TypeError) as exc:
        raise DomainError(f"Invalid drift configuration: {exc}") from None


@transaction.atomic
def config_update(*, model: RegisteredModel, actor: Actor, **changes: Any) -> MonitoringConfig:
    require(permissions.can_configure(actor, model), "Only the model's team may change its monitoring.")
    allowed = {"drift_config", "quality_thresholds", "check_on_upload", "stale_after_hours"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    if "drift_config" in changes:
        changes["drift_config"] = drift_config_validate(changes["drift_config"])
    if "quality_thresholds" in changes:
        thresholds = changes["quality_thresholds"]
        if not isinstance(thresholds, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 for v in thresholds.values()
        ):
            raise DomainError('Quality thresholds map a metric to a non-negative number, e.g. {"accuracy": 0.05}.')
    config, _ = MonitoringConfig.objects.select_for_update().get_or_create(model=model)
    before = {k: getattr(config, k) for k in changes}
    for key, value in changes.items():
        setattr(config, key, value)
    config.full_clean()
    config.save()
    audit_record(action="monitoring.config_updated", obj=config, model=model, before=before, after=changes, actor=actor)
    return config
