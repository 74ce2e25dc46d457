"""How audit events are shown: the stored payload is hashed and never changes, so what a reader may not see is
redacted when it is displayed (secrets are never stored at all: the services redact them at write time).

Webhook URLs (which may carry a token) are shown whole only to those who may edit webhooks."""

from __future__ import annotations

from typing import Any

from mlops_gov import context
from mlops_gov.actors import Viewer
from mlops_gov.redaction import redact_urls

# Events whose payload may hold a webhook URL or a delivery target.
URL_BEARING_TYPES = ("monitoring.webhookendpoint", "monitoring.delivery")


def may_see_webhook_urls(user: Viewer | None) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("monitoring.change_webhookendpoint"))


def shown_payload(object_type: str, value: Any, user: Viewer | None) -> Any:
    if object_type in URL_BEARING_TYPES and not may_see_webhook_urls(user):
        return redact_urls(value)
    return value


def current_user() -> Any:
    """The user of the request being served (from the action context), for displays that are not handed the request
    (admin read-only fields)."""
    actor = context.current().actor
    return actor.resolve() if hasattr(actor, "resolve") else actor
