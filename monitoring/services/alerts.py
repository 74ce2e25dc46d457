"""Alerts and where they go: raise once per key, audit, create one delivery per rule target, send after commit."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from mlops_gov.actors import Actor
from mlops_gov.jobs import JobStatus
from monitoring import tasks, webhooks
from monitoring.models import Alert, AlertRule, Delivery, DeliveryChannel, DeliveryStatus, DriftCheck
from monitoring.services.common import GOVERNANCE_EVENTS, require
from registry.audit import audit_record
from registry.models import AuditEvent, ModelVersion, RegisteredModel

DELIVERY_MAX_ATTEMPTS = 5


def rules_for(event: str, model: RegisteredModel | None) -> list[AlertRule]:
    rules = AlertRule.objects.filter(enabled=True).select_related("webhook")
    rules = (
        rules.filter(Q(model__isnull=True) | Q(model=model)) if model is not None else rules.filter(model__isnull=True)
    )
    return [r for r in rules if event in (r.events or [])]


def notify(
    *, event: str, model: RegisteredModel | None, payload: dict[str, Any], alert: Alert | None = None
) -> list[Delivery]:
    """Create one delivery per matching rule target and send them after commit."""
    deliveries = []
    for rule in rules_for(event, model):
        if rule.webhook is not None and rule.webhook.enabled:
            deliveries.append(
                Delivery(
                    rule=rule,
                    alert=alert,
                    event=event,
                    channel=DeliveryChannel.WEBHOOK,
                    target=rule.webhook.url,
                    webhook=rule.webhook,
                    payload=payload,
                )
            )
        for email in rule.emails or []:
            deliveries.append(
                Delivery(
                    rule=rule,
                    alert=alert,
                    event=event,
                    channel=DeliveryChannel.EMAIL,
                    target=str(email)[:500],
                    payload=payload,
                )
            )
    created = Delivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in created]
    if ids:
        transaction.on_commit(lambda: enqueue_deliveries(ids))
    return created


def enqueue_deliveries(ids: list[int]) -> None:
    for pk in ids:
        tasks.deliver.delay(pk)


def _base_url() -> str:
    return settings.MLOPS_GOV["BASE_URL"].rstrip("/")


@transaction.atomic
def alert_raise(
    *,
    kind: str,
    model: RegisteredModel,
    message: str,
    version: ModelVersion | None = None,
    check: DriftCheck | None = None,
    dedup_key: str = "",
) -> Alert | None:
    """Record an alert (once per ``dedup_key``), audit it and notify the rules listening for its kind."""
    if dedup_key and Alert.objects.filter(dedup_key=dedup_key).exists():
        return None
    payload: dict[str, Any] = {
        "event": kind,
        "model": model.name,
        "version": version.version if version else None,
        "message": message,
        "check": check.pk if check else None,
        "at": timezone.now().isoformat(),
        "url": _base_url()
        + (reverse("monitoring:check-detail", args=[check.pk]) if check else reverse("monitoring:dashboard")),
    }
    if check is not None and check.status == JobStatus.SUCCEEDED:
        payload.update(drift_share=check.drift_share, dataset_drift=check.dataset_drift)
    alert = Alert.objects.create(
        kind=kind, model=model, version=version, check_run=check, message=message, payload=payload, dedup_key=dedup_key
    )
    audit_record(action=f"alert.{kind}", obj=alert, model=model, after=payload)
    notify(event=kind, model=model, payload=payload, alert=alert)
    return alert


def on_governance_event(event: AuditEvent) -> None:
    """Receiver of ``registry.audit.governance_event``: forward registry actions to the rules that want them."""
    if event.action not in GOVERNANCE_EVENTS:
        return
    model = RegisteredModel.objects.filter(pk=event.model_id).first() if event.model_id else None
    payload = {
        "event": event.action,
        "model": event.model_name,
        "object": event.object_repr,
        "object_id": event.object_id,
        "actor": event.actor_name,
        "at": event.occurred_at.isoformat(),
        "audit_sequence": event.sequence,
        "audit_hash": event.hash,
        "after": event.after,
    }
    with transaction.atomic():
        notify(event=event.action, model=model, payload=payload)


def delivery_attempt(*, delivery_id: int) -> Delivery | None:
    """Send one pending delivery now; record the outcome. Failed attempts are retried by the sweep with back-off."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",)).select_related("webhook").filter(pk=delivery_id).first()
        )
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return delivery
        if delivery.next_attempt_at and delivery.next_attempt_at > timezone.now():
            return delivery
        delivery.attempts += 1
        # Claim the attempt so a concurrent sweep does not send it twice meanwhile.
        delivery.next_attempt_at = timezone.now() + timedelta(minutes=5)
        delivery.save(update_fields=["attempts", "next_attempt_at"])
    permanent = False
    error, status_code = "", None
    try:
        if delivery.channel == DeliveryChannel.WEBHOOK:
            if delivery.webhook is None:
                raise webhooks.WebhookError("The webhook endpoint was deleted.")
            response = webhooks.post(
                delivery.target,
                delivery.payload,
                secret=delivery.webhook.secret,
                event=delivery.event,
                allowed_networks=settings.MLOPS_GOV["WEBHOOK_ALLOWED_NETWORKS"],
            )
            status_code = response.status
        else:
            subject = f"[mlops-gov] {delivery.event}: {delivery.payload.get('model') or ''}"
            body = "\n".join(f"{k}: {v}" for k, v in sorted(delivery.payload.items()))
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [delivery.target])
    except webhooks.WebhookError as exc:
        error = str(exc)
        permanent = "allow-list" in error or "Only http" in error or "redirect" in error
    except Exception as exc:  # noqa: BLE001 - any transport failure is recorded and retried
        error = f"{type(exc).__name__}: {exc}"
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
        if not error:
            delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.SUCCEEDED, timezone.now(), ""
            delivery.next_attempt_at = None
        else:
            delivery.last_error = error[:2000]
            if permanent or delivery.attempts >= DELIVERY_MAX_ATTEMPTS:
                delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            else:
                delivery.next_attempt_at = timezone.now() + timedelta(seconds=30 * 2**delivery.attempts)
        delivery.response_status = status_code
        delivery.save()
    return delivery


@transaction.atomic
def delivery_retry(*, deliveries: list[Delivery], actor: Actor) -> list[int]:
    """Send failed or pending deliveries again now (the admin's "retry now"): each is reset to pending, audited,
    and queued after commit. Succeeded deliveries are left alone. Returns the ids queued."""
    require(
        actor is not None and actor.has_perm("monitoring.change_alertrule"),
        "Only ML engineers may retry deliveries.",
    )
    ids = [d.pk for d in deliveries if d.status != DeliveryStatus.SUCCEEDED]
    for delivery in Delivery.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("rule__model"):
        before = {"status": delivery.status, "attempts": delivery.attempts}
        delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, None
        delivery.save(update_fields=["status", "next_attempt_at"])
        rule = delivery.rule
        audit_record(
            action="delivery.retried",
            obj=delivery,
            model=rule.model if rule is not None else None,
            before=before,
            after={"status": DeliveryStatus.PENDING, "event": delivery.event, "channel": delivery.channel},
            actor=actor,
        )
    if ids:
        transaction.on_commit(lambda: enqueue_deliveries(ids))
    return ids
