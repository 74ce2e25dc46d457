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


def connect() -> None:
    from registry.audit import governance_event

    governance_event.connect(_on_governance_event, dispatch_uid="monitoring.governance_event")
