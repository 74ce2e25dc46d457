"""E-mail notifications: who is told what, queued for a worker to deliver (Django's mail, console by default).

Sending never breaks the write that caused it: notifications start from audit events after commit, and every
failure to queue is logged and swallowed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from mlops_gov.actors import Actor
from notifications import selectors
from notifications.choices import NotificationKind
from notifications.models import NotificationPreference
from notifications.tasks import deliver_email
from registry.audit import audit_record

if TYPE_CHECKING:
    from registry.models import AuditEvent, PromotionRequest

logger = logging.getLogger(__name__)

DECISION_ACTIONS = {
    "promotion.approved": "was approved by {actor}",
    "promotion.rejected": "was rejected by {actor}",
    "promotion.applied": "was applied: the change is live",
    "promotion.apply_blocked": "has its approvals but was not applied: a gate fails now",
}
ALERT_ACTIONS = {"alert.drift": "drifts", "alert.stale_data": "has had no new data", "alert.quality": "degraded"}


def _url(path: str) -> str:
    return settings.MLOPS_GOV["BASE_URL"].rstrip("/") + path


@transaction.atomic
def preferences_update(*, user: Actor, actor: Actor, **changes: bool) -> NotificationPreference:
    """Switch kinds of e-mail on or off for ``user`` (only themselves, or an administrator)."""
    from mlops_gov.errors import DomainError, PermissionError_

    if actor.pk != user.pk and not actor.is_superuser:
        raise PermissionError_("You may change only your own notification settings.")
    unknown = set(changes) - set(NotificationKind.values)
    if unknown:
        raise DomainError(f"Unknown notification kinds: {', '.join(sorted(unknown))}.")
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    before = {kind: getattr(preference, kind) for kind in changes}
    for kind, value in changes.items():
        setattr(preference, kind, bool(value))
    preference.save()
    audit_record(
        action="notifications.preferences_updated",
        obj=preference,
        before=before,
        after={kind: bool(value) for kind, value in changes.items()},
        actor=actor,
    )
    return preference


@transaction.atomic
def language_update(*, user: Actor, actor: Actor, language: str) -> NotificationPreference:
    """Save the language ``user`` reads the product and their e-mails in ("" forgets it: the browser's is used)."""
    from mlops_gov.errors import DomainError, PermissionError_
    from mlops_gov.i18n import supported

    if actor.pk != user.pk and not actor.is_superuser:
        raise PermissionError_("You may change only your own language.")
    if language and not supported(language):
        codes = ", ".join(code for code, _ in settings.LANGUAGES)
        raise DomainError(f"Unknown language {language!r}: choose one of {codes}.")
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    if preference.language == language:
        return preference
    before = {"language": preference.language}
    preference.language = language
    preference.save(update_fields=["language", "updated_at"])
    audit_record(
        action="notifications.language_updated",
        obj=preference,
        before=before,
        after={"language": language},
        actor=actor,
    )
    return preference


def notify(*, kind: str, users: Iterable[Actor], subject: str, body: str) -> int:
    """Queue one e-mail per person who wants ``kind``; returns how many were queued. Never raises."""
    try:
        recipients = [u.email for u in selectors.wanting(users, kind)]
        if not recipients:
            return 0
        deliver_email.delay(subject=subject, body=body, recipients=recipients)
        return len(recipients)
    except Exception:
        logger.exception("could not queue the %s e-mail %r", kind, subject)
        return 0


def email_deliver(*, subject: str, body: str, recipients: list[str]) -> int:
    """Send one message per recipient (nobody sees who else was told)."""
    sent = 0
    for address in recipients:
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)
    return sent


def on_governance_event(event: AuditEvent) -> None:
    """Turn an audit event into the e-mails it calls for."""
    action = event.action
    if action == "promotion.requested":
        _request_opened(event)
    elif action in DECISION_ACTIONS:
        _request_decided(event)
    elif action in ALERT_ACTIONS:
        _production_alert(event)


def _promotion(event: AuditEvent) -> PromotionRequest | None:
    from registry.models import PromotionRequest

    return PromotionRequest.objects.select_related("version__model", "requested_by").filter(pk=event.object_id).first()


def _request_opened(event: AuditEvent) -> None:
    from registry import selectors as registry_selectors

    promotion = _promotion(event)
    if promotion is None:
        return
    version = promotion.version
    link = _url(reverse("registry:request-detail", args=[promotion.pk]))
    gates = "all gates pass" if promotion.gates_passed else "some gates fail"
    body = (
        f"{promotion.requested_by.get_username()} asks to move v{version.version} of {version.model.name} "
        f"({version.model.get_risk_tier_display().lower()} risk) to {promotion.target_label}.\n\n"
        f"Justification: {promotion.justification}\n\nGates: {gates}. "
        f"{promotion.approvals_required} approval(s) needed.\n\nReview the evidence and decide: {link}\n"
    )
    notify(
        kind=NotificationKind.REQUEST_OPENED,
        users=registry_selectors.eligible_approvers(promotion),
        subject=f"[mlops-gov] Approval needed: {version.model.name} v{version.version} to {promotion.target_label}",
        body=body,
    )


def _request_decided(event: AuditEvent) -> None:
    promotion = _promotion(event)
    if promotion is None:
        return
    version = promotion.version
    what = DECISION_ACTIONS[event.action].format(actor=event.actor_name)
    link = _url(reverse("registry:request-detail", args=[promotion.pk]))
    after: dict[str, Any] = event.after or {}
    comment = f"\n\nComment: {after['comment']}" if after.get("comment") else ""
    body = (
        f"Your request #{promotion.pk} to move v{version.version} of {version.model.name} to "
        f"{promotion.target_label} {what}.{comment}\n\n{link}\n"
    )
    notify(
        kind=NotificationKind.REQUEST_DECIDED,
        users=[promotion.requested_by],
        subject=f"[mlops-gov] Request #{promotion.pk} {what.split(':')[0]}",
        body=body,
    )


def _production_alert(event: AuditEvent) -> None:
    from registry.models import ModelVersion, RegisteredModel

    after: dict[str, Any] = event.after or {}
    model = RegisteredModel.objects.select_related("team", "owner").filter(pk=event.model_id).first()
    number = after.get("version")
    if model is None or number is None:
        return
    if not ModelVersion.objects.filter(model=model, version=number, stage="production").exists():
        return  # only production models page their team
    people = {model.owner.pk: model.owner}
    if model.team is not None:
        people.update({u.pk: u for u in model.team.members.all()})
    what = ALERT_ACTIONS[event.action]
    body = f"Production v{number} of {model.name} {what}.\n\n{after.get('message', '')}\n\n{after.get('url', '')}\n"
    notify(
        kind=NotificationKind.PRODUCTION_ALERT,
        users=list(people.values()),
        subject=f"[mlops-gov] {model.name} v{number} {what}",
        body=body,
    )
