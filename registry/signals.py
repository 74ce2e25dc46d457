"""Signals the registry sends to the other apps."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after commit for every audit event (``event=AuditEvent``): receivers (webhooks, alerts) react to governance
# events.
governance_event = Signal()
