"""Alert routing (webhook endpoints and alert rules): validated like the sender would, saved and audited; the
admin and the API both come here. A secret is never written to the audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.forms.models import model_to_dict

from mlops_gov.actors import Actor
from mlops_gov.errors import ConflictError, DomainError, NotFoundError
from monitoring import webhooks
from monitoring.domain import netguard
from monitoring.models import AlertKind, AlertRule, WebhookEndpoint
from monitoring.services.common import GOVERNANCE_EVENTS, require
from registry.audit import audit_record
from registry.models import RegisteredModel

_REDACTED_FIELDS = {"secret"}
_CHANGED_MARK = "<redacted, changed>"  # an update that rotated the secret says so, without any trace of either value
# What a rule may listen for: the alert kinds and the registry actions ``notify`` is called with.
ROUTABLE_EVENTS = (*AlertKind.values, *GOVERNANCE_EVENTS)
_ROUTING_FIELDS = {
    WebhookEndpoint: {"name", "url", "secret", "enabled"},
    AlertRule: {"name", "model", "events", "webhook", "emails", "enabled"},
}


def _routing_snapshot(obj: WebhookEndpoint | AlertRule) -> dict[str, Any]:
    data = model_to_dict(obj)
    return {k: ("<redacted>" if k in _REDACTED_FIELDS and v else v) for k, v in data.items()}


def _may(actor: Actor | None, action: str, model_cls: type[Model]) -> bool:
    return bool(actor is not None and actor.has_perm(f"monitoring.{action}_{model_cls._meta.model_name}"))


def alert_routing_validate(obj: WebhookEndpoint | AlertRule) -> None:
    """Raise a ``ValidationError`` keyed by field for what the sender would refuse or never match: the model's own
    checks, a webhook URL the sender would not call, unknown events, bad e-mail addresses, a rule with no target.
    Messages never quote the secret."""
    errors: dict[str, list[str]] = {}
    try:
        obj.full_clean()
    except ValidationError as exc:
        errors = {k: list(v) for k, v in exc.message_dict.items()}
    if isinstance(obj, WebhookEndpoint) and "url" not in errors:
        try:
            webhooks.validate_destination(obj.url, allowed_networks=settings.MLOPS_GOV["WEBHOOK_ALLOWED_NETWORKS"])
        except netguard.BlockedDestination as exc:
            errors["url"] = [str(exc)]
    if isinstance(obj, AlertRule):
        events, emails = obj.events, obj.emails
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            errors["events"] = ["Give a list of event names."]
        elif unknown := [e for e in events if e not in ROUTABLE_EVENTS]:
            errors["events"] = [
                f"Unknown event(s): {', '.join(unknown[:10])[:300]}. Known events: {', '.join(ROUTABLE_EVENTS)}."
            ]
        elif not events:
            errors["events"] = [f"Give at least one event: {', '.join(ROUTABLE_EVENTS)}."]
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            errors["emails"] = ["Give a list of e-mail addresses."]
        else:
            bad = []
            for email in emails:
                try:
                    validate_email(email)
                except ValidationError:
                    bad.append(email)
            if bad:
                errors["emails"] = [f"Not a valid e-mail address: {', '.join(bad[:10])[:300]}."]
            elif obj.webhook_id is None and not emails and "webhook" not in errors:
                errors["webhook"] = ["A rule needs a webhook or at least one address in emails."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def alert_routing_save(
    *, obj: WebhookEndpoint | AlertRule, actor: Actor, changes: dict[str, Any] | None = None
) -> WebhookEndpoint | AlertRule:
    """Validate, save and audit a webhook endpoint or alert rule (where alerts go is governance too).

    The admin passes the edited object; the API passes a new or stored object and the validated ``changes``,
    applied here to the row locked for the update (a field left out, e.g. the secret, keeps its value)."""
    model_cls = type(obj)
    require(_may(actor, "change" if obj.pk else "add", model_cls), "Only ML engineers may edit alert routing.")
    unknown = set(changes or {}) - _ROUTING_FIELDS[model_cls]
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    previous = model_cls.objects.select_for_update().filter(pk=obj.pk).first() if obj.pk else None
    if obj.pk and previous is None:
        raise NotFoundError(f"{str(model_cls._meta.verbose_name).capitalize()} #{obj.pk} no longer exists.")
    before = _routing_snapshot(previous) if previous is not None else None
    old_secret = getattr(previous, "secret", None)
    if changes is not None:
        obj = previous if previous is not None else obj
        for key, value in changes.items():
            setattr(obj, key, value)
    taken = f"{str(model_cls._meta.verbose_name).capitalize()} named '{obj.name}' already exists."
    if model_cls.objects.filter(name=obj.name).exclude(pk=obj.pk).exists():
        raise ConflictError(taken)
    if (
        isinstance(obj, AlertRule)
        and previous is not None
        and changes is not None
        and not {"webhook", "emails"} <= set(changes)
        and obj.webhook_id is None
        and not obj.emails
    ):
        # A well-formed change that, with what the rule already has, would leave it sending nowhere: a conflict with
        # the stored rule (a change naming both and leaving both empty is refused as invalid, 400, below).
        raise ConflictError("The rule would have no webhook and no e-mail address left: give one of them.")
    alert_routing_validate(obj)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:  # a concurrent save took the name between the check and the insert
        if model_cls.objects.filter(name=obj.name).exclude(pk=obj.pk).exists():
            raise ConflictError(
                f"{str(model_cls._meta.verbose_name).capitalize()} named '{obj.name}' already exists."
            ) from None
        raise
    after = _routing_snapshot(obj)
    if previous is not None and old_secret is not None and old_secret != getattr(obj, "secret", None):
        after["secret"] = _CHANGED_MARK
    action = f"monitoring.{model_cls._meta.model_name}_{'updated' if previous else 'created'}"
    audit_record(action=action, obj=obj, model=getattr(obj, "model", None), before=before, after=after, actor=actor)
    return obj


@transaction.atomic
def alert_rule_cascade_audit(*, rule: AlertRule, origin: RegisteredModel) -> None:
    """Audit a rule the database deletes with its model (the actor is whoever deletes the model)."""
    after = {"deleted_with": f"{origin._meta.label_lower}:{origin.pk}"}
    audit_record(
        action="monitoring.alertrule_deleted", obj=rule, model=origin, before=_routing_snapshot(rule), after=after
    )


@transaction.atomic
def alert_routing_delete(*, obj: WebhookEndpoint | AlertRule, actor: Actor, cascade: bool = True) -> None:
    """Delete and audit. Deleting an endpoint deletes its rules (the database cascades): each gets its own event,
    or, with ``cascade=False``, an endpoint still used by rules is refused (409)."""
    require(_may(actor, "delete", type(obj)), "Only ML engineers may edit alert routing.")
    if isinstance(obj, WebhookEndpoint):
        rules = list(obj.rules.select_related("model").order_by("name"))
        if rules and not cascade:
            names = ", ".join(r.name for r in rules[:10]) + (", ..." if len(rules) > 10 else "")
            raise ConflictError(
                f"The webhook '{obj}' is used by {len(rules)} rule(s) ({names}): delete them or "
                "point them elsewhere first."
            )
        for rule in rules:
            audit_record(
                action="monitoring.alertrule_deleted",
                obj=rule,
                model=rule.model,
                before=_routing_snapshot(rule),
                actor=actor,
            )
    audit_record(
        action=f"monitoring.{type(obj)._meta.model_name}_deleted",
        obj=obj,
        model=getattr(obj, "model", None),
        before=_routing_snapshot(obj),
        actor=actor,
    )
    obj.delete()
