"""Signal receivers: registry governance events go out through the alert rules (webhooks, email)."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def _on_governance_event(sender, event, **kwargs) -> None:
    from monitoring import services

    try:
        services.on_governance_event(event)
    except Exception:  # a notification problem never breaks the registry action that already committed
        logger.exception("could not queue notifications for audit event %s", getattr(event, "sequence", "?"))


def _on_alert_rule_deleted(sender, instance, origin=None, **kwargs) -> None:
    """A registered model's deletion cascades to its alert rules: audit each, as a deletion through the service is
    (that one, and an endpoint's cascade, audit themselves)."""
    from monitoring import services
    from registry.models import RegisteredModel

    if isinstance(origin, RegisteredModel):
        services.alert_rule_cascade_audit(rule=instance, origin=origin)


def connect() -> None:
    from django.db.models.signals import pre_delete

    from monitoring.models import AlertRule
    from registry.audit import governance_event

    governance_event.connect(_on_governance_event, dispatch_uid="monitoring.governance_event")
    pre_delete.connect(_on_alert_rule_deleted, sender=AlertRule, dispatch_uid="monitoring.alert_rule_deleted")
