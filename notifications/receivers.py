"""Audit events (sent after commit) become e-mails; a failure here never touches the write that committed."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def _on_governance_event(sender, event, **kwargs) -> None:
    from notifications import services

    try:
        services.on_governance_event(event)
    except Exception:
        logger.exception("could not queue e-mail notifications for audit event %s", getattr(event, "sequence", "?"))


def connect() -> None:
    from registry.signals import governance_event

    governance_event.connect(_on_governance_event, dispatch_uid="notifications.governance_event")
