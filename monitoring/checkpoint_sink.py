"""Publish audit checkpoints to webhook endpoints (registry.audit.sinks), signed like every other webhook.

The endpoints are named by ``AUDIT_CHECKPOINT_WEBHOOKS`` (their URL and secret live in the WebhookEndpoint rows,
edited by administrators); the publication records the endpoint's name, never its URL.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from monitoring import webhooks
from monitoring.models import WebhookEndpoint

EVENT = "audit.checkpoint"


def targets() -> list[str]:
    return list(settings.AUDIT_CHECKPOINT["WEBHOOKS"])


def publish(checkpoint: Any, target: str) -> None:
    endpoint = WebhookEndpoint.objects.filter(name=target).first()
    if endpoint is None:
        raise webhooks.WebhookError(f"no webhook endpoint is named {target!r} (AUDIT_CHECKPOINT_WEBHOOKS)")
    if not endpoint.enabled:
        raise webhooks.WebhookError(f"the webhook endpoint {target!r} is disabled")
    webhooks.post(
        endpoint.url,
        {"event": EVENT, "checkpoint": json.loads(checkpoint.document)},
        secret=endpoint.secret,
        event=EVENT,
        allowed_networks=settings.MLOPS_GOV["WEBHOOK_ALLOWED_NETWORKS"],
    )


def connect() -> None:
    from registry.audit.sinks import register_sink

    register_sink("webhook", targets=targets, publish=publish)
