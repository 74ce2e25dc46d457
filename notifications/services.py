"""E-mail notifications: who is told what, queued for a worker to deliver (Django's mail, console by default).

Sending never breaks the write that caused it: notifications start from audit events after commit, and every
failure to queue is logged and swallowed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy

from mlops_gov import i18n
from mlops_gov.actors import Actor
from notifications import selectors
from notifications.choices import NotificationKind
from notifications.models import NotificationPreference
from notifications.tasks import deliver_email
from registry.audit import audit_record

if TYPE_CHECKING:
    from registry.models import AuditEvent, PromotionRequest

logger = logging.getLogger(__name__)

# What happened, in a sentence about the request ("Your request #3 to move v2 of churn to production ...").
DECISION_ACTIONS = {
    "promotion.approved": gettext_lazy("was approved by %(actor)s"),
    "promotion.rejected": gettext_lazy("was rejected by %(actor)s"),
    "promotion.applied": gettext_lazy("was applied: the change is live"),
    "promotion.apply_blocked": gettext_lazy("has its approvals but was not applied: a gate fails now"),
}
ALERT_ACTIONS = {
    "alert.drift": pgettext_lazy("alert e-mail", "drifts"),
    "alert.stale_data": pgettext_lazy("alert e-mail", "has had no new data"),
    "alert.quality": pgettext_lazy("alert e-mail", "degraded"),
}


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


def notify(*, kind: str, users: Iterable[Actor], compose: Callable[[], tuple[str, str]]) -> int:
    """Queue the e-mail to each person who wants ``kind``, in the language they read (``compose`` gives the subject
    and body in the active language; one message per language); returns how many were queued. Never raises."""
    subject = ""
    try:
        wanted = selectors.wanting(users, kind)
        if not wanted:
            return 0
        languages = i18n.languages_of(wanted)
        by_language: dict[str, list[str]] = {}
        for user in wanted:
            by_language.setdefault(languages[user.pk], []).append(user.email)
        for language, recipients in sorted(by_language.items()):
            with translation.override(language):
                subject, body = compose()
            deliver_email.delay(subject=subject, body=body, recipients=recipients)
        return len(wanted)
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

    def compose() -> tuple[str, str]:
        names = {
            "who": promotion.requested_by.get_username(),
            "number": version.version,
            "model": version.model.name,
            "tier": str(version.model.get_risk_tier_display()).lower(),
            "target": promotion.target_display,
            "justification": promotion.justification,
            "gates": gettext("all gates pass") if promotion.gates_passed else gettext("some gates fail"),
            "approvals": promotion.approvals_required,
            "link": link,
        }
        body = (
            gettext(
                "%(who)s asks to move v%(number)s of %(model)s (%(tier)s risk) to %(target)s.\n\n"
                "Justification: %(justification)s\n\nGates: %(gates)s. %(approvals)s approval(s) needed.\n\n"
                "Review the evidence and decide: %(link)s\n"
            )
            % names
        )
        subject = gettext("[mlops-gov] Approval needed: %(model)s v%(number)s to %(target)s") % names
        return subject, body

    notify(
        kind=NotificationKind.REQUEST_OPENED,
        users=registry_selectors.eligible_approvers(promotion),
        compose=compose,
    )


def _request_decided(event: AuditEvent) -> None:
    promotion = _promotion(event)
    if promotion is None:
        return
    version = promotion.version
    link = _url(reverse("registry:request-detail", args=[promotion.pk]))
    after: dict[str, Any] = event.after or {}

    def compose() -> tuple[str, str]:
        what = str(DECISION_ACTIONS[event.action]) % {"actor": event.actor_name}
        comment = (
            ("\n\n" + gettext("Comment: %(comment)s") % {"comment": after["comment"]}) if after.get("comment") else ""
        )
        names = {
            "pk": promotion.pk,
            "number": version.version,
            "model": version.model.name,
            "target": promotion.target_display,
            "what": what,
            "comment": comment,
            "link": link,
        }
        body = (
            gettext(
                "Your request #%(pk)s to move v%(number)s of %(model)s to %(target)s %(what)s.%(comment)s\n\n%(link)s\n"
            )
            % names
        )
        subject = gettext("[mlops-gov] Request #%(pk)s %(what)s") % {"pk": promotion.pk, "what": what.split(":")[0]}
        return subject, body

    notify(kind=NotificationKind.REQUEST_DECIDED, users=[promotion.requested_by], compose=compose)


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

    def compose() -> tuple[str, str]:
        # The alert's own message is stored data (written once, in English); the sentence around it is translated.
        names = {"number": number, "model": model.name, "what": str(ALERT_ACTIONS[event.action])}
        headline = gettext("Production v%(number)s of %(model)s %(what)s.") % names
        body = f"{headline}\n\n{after.get('message', '')}\n\n{after.get('url', '')}\n"
        subject = gettext("[mlops-gov] %(model)s v%(number)s %(what)s") % names
        return subject, body

    notify(kind=NotificationKind.PRODUCTION_ALERT, users=list(people.values()), compose=compose)
