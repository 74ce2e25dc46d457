"""Report writes: request a stored report (a job), render and store it (audited), render on demand."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mlops_gov.actors import Actor
from mlops_gov.errors import DomainError, NotFoundError, PermissionError_
from mlops_gov.i18n import user_language
from mlops_gov.jobs import JobStatus
from registry.audit import audit_record, checkpoints
from registry.domain import checkpoint as cp
from registry.models import AuditEvent, CheckpointTrigger, ModelVersion, PromotionRequest, RegisteredModel
from reports import permissions, rendering, selectors, tasks
from reports.choices import ReportKind, ReportTrigger, ReportVariant
from reports.models import GovernanceReport

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    html: str
    context: dict[str, Any]


def _username(user: Actor | None) -> str:
    return user.get_username() if user is not None and getattr(user, "pk", None) else "system"


def _check_variant(variant: str) -> None:
    if variant not in ReportVariant.values:
        raise DomainError(f"Unknown report variant '{variant}'; use one of: {', '.join(ReportVariant.values)}.")


def report_language(language: str | None) -> str:
    """A code of settings.LANGUAGES for a report: ``language`` ("ko", "ko-KR", "en", "en-gb"...), else the active
    language; an unknown one is refused with the list of known ones."""
    known = [code for code, _name in settings.LANGUAGES]
    wanted = (language or translation.get_language() or settings.LANGUAGE_CODE).lower().replace("_", "-")
    for code in known:
        if wanted == code or wanted.split("-")[0] == code.split("-")[0]:
            return code
    if language is None:
        return settings.LANGUAGE_CODE
    raise DomainError(f"Unknown report language '{language}'; use one of: {', '.join(known)}.")


# --- on demand (nothing stored) ---------------------------------------------------------------------------------------


def model_report_render(
    *,
    version: ModelVersion,
    generated_by: str,
    variant: str = ReportVariant.PDF,
    pdf: bool = True,
    language: str | None = None,
) -> RenderedReport:
    """Assemble and render one model version's report (HTML always, PDF when asked), in ``language`` (default: the
    active one). Dates, numbers and every text the service writes follow it; the records shown stay as stored."""
    _check_variant(variant)
    lang = report_language(language)
    with translation.override(lang):
        context = selectors.report_context(version=version, generated_by=generated_by, variant=variant if pdf else "")
        return _render(rendering.MODEL_TEMPLATE, {**context, "language": lang}, variant=variant, pdf=pdf)


def portfolio_report_render(
    *, generated_by: str, variant: str = ReportVariant.PDF, pdf: bool = True, language: str | None = None
) -> RenderedReport:
    _check_variant(variant)
    lang = report_language(language)
    with translation.override(lang):
        context = selectors.portfolio_context(generated_by=generated_by, variant=variant if pdf else "")
        return _render(rendering.PORTFOLIO_TEMPLATE, {**context, "language": lang}, variant=variant, pdf=pdf)


def _render(template: str, context: dict[str, Any], *, variant: str, pdf: bool) -> RenderedReport:
    """Every governance PDF signs a checkpoint of the audit head (issue #14): printed in its own block and carried
    in the PDF's XMP metadata, where ``verify_audit --against REPORT.pdf`` finds it. The HTML preview shows the
    public key only."""
    checkpoint = checkpoints.checkpoint_write(trigger=CheckpointTrigger.REPORT) if pdf else None
    signed = cp.parse(checkpoint.document) if checkpoint is not None else None
    context = {**context, "checkpoint": signed, "signing_key": checkpoints.public_key_info()}
    html = rendering.render_html(template, context, for_pdf=pdf)
    xmp = cp.to_xmp(signed) if signed is not None else None
    data = rendering.html_to_pdf(html, variant=variant, xmp=xmp) if pdf else b""
    return RenderedReport(pdf=data, html=html, context=context)


def report_export_record(
    *, rendered: RenderedReport, version: ModelVersion | None, variant: str, destination: str
) -> None:
    """Audit an on-demand PDF (not stored) handed out by any door: its SHA-256 and the chain head it printed, so a
    copy shown later can be matched to the trail. Pages and the CLI both come here (``report.exported``)."""
    audit_record(
        action="report.exported",
        object_type="reports.governancereport",
        object_repr=f"{'portfolio' if version is None else str(version)} to {destination}"[:300],
        model=version.model if version is not None else None,
        after={
            "sha256": hashlib.sha256(rendered.pdf).hexdigest(),
            "size_bytes": len(rendered.pdf),
            "variant": variant,
            "chain_sequence": rendered.context["chain"]["sequence"],
            "language": rendered.context.get("language", settings.LANGUAGE_CODE),
        },
    )


# --- stored reports ---------------------------------------------------------------------------------------------------


@transaction.atomic
def report_request(
    *,
    actor: Actor | None,
    model: RegisteredModel | None = None,
    version: ModelVersion | None = None,
    kind: str = ReportKind.MODEL,
    variant: str = ReportVariant.PDF_A,
    trigger: str = ReportTrigger.PAGE,
    enqueue: bool = True,
    language: str | None = None,
) -> GovernanceReport:
    """Create a queued stored report and enqueue its rendering after commit.

    A model report is about ``version`` (or the model's production version). ``actor`` None means the system
    (the automatic report on promotion). ``language``: the report's (default: the active language); it is recorded
    on the report and its rendering uses it, whoever's worker renders it.
    """
    _check_variant(variant)
    lang = report_language(language)
    if trigger not in ReportTrigger.values:
        raise DomainError(f"Unknown trigger '{trigger}'.")
    if kind == ReportKind.PORTFOLIO:
        if actor is not None and not permissions.can_read_portfolio(actor):
            raise PermissionError_("Only auditors and approvers may generate the portfolio report.")
        report = GovernanceReport.objects.create(
            kind=kind,
            variant=variant,
            trigger=trigger,
            requested_by=actor,
            requested_by_name=_username(actor),
            title=_title(lang, None),
            language=lang,
        )
    elif kind == ReportKind.MODEL:
        if version is None:
            if model is None:
                raise DomainError("Name the model (and optionally the version) the report is about.")
            version = selectors.production_version(model)
            if version is None:
                raise NotFoundError(f"'{model.name}' has no production version; name the version to report on.")
        model = version.model
        if actor is not None and not permissions.can_generate_model_report(actor, model):
            raise PermissionError_("Only the model's owner or team may generate and store its report.")
        report = GovernanceReport.objects.create(
            kind=kind,
            model=model,
            version=version,
            model_name=model.name,
            version_number=version.version,
            variant=variant,
            trigger=trigger,
            requested_by=actor,
            requested_by_name=_username(actor),
            title=_title(lang, version)[:300],
            language=lang,
        )
    else:
        raise DomainError(f"Unknown report kind '{kind}'.")
    audit_record(
        action="report.requested",
        obj=report,
        model=model,
        after={
            "kind": kind,
            "version": report.version_number,
            "variant": variant,
            "trigger": trigger,
            "language": lang,
        },
        actor=actor,
    )
    if enqueue:
        transaction.on_commit(lambda: tasks.generate_report.delay(report.pk))
    return report


def _title(language: str, version: ModelVersion | None) -> str:
    """The stored report's title, in the report's language."""
    with translation.override(language):
        if version is None:
            return _("Governance portfolio: models in production")
        return _("Governance report: %(model)s v%(version)s") % {
            "model": version.model.name,
            "version": version.version,
        }


def report_enqueue(report_id: int) -> None:
    """(Re-)queue the rendering of a stored report (the job sweep calls this for one whose worker died)."""
    tasks.generate_report.delay(report_id)


@transaction.atomic
def report_fail(*, report_id: int, message: str) -> None:
    """End a report failed with its reason (audited), unless it already succeeded."""
    GovernanceReport.mark_failed(report_id, message)
    report = GovernanceReport.objects.select_related("model").get(pk=report_id)
    if report.status == JobStatus.FAILED:
        audit_record(action="report.failed", obj=report, model=report.model, after={"error": message[:500]})


def report_generate(*, report_id: int, hold_seconds: float = 0) -> GovernanceReport | None:
    """Render and store one queued report (idempotent: a second delivery finds it claimed or finished).

    ``hold_seconds`` pauses after the claim: a crash drill (kill the worker mid-report) needs a report that lasts."""
    if not GovernanceReport.claim(report_id):
        return None
    if hold_seconds:
        time.sleep(min(float(hold_seconds), 600.0))
    report = GovernanceReport.objects.select_related("version__model", "requested_by").get(pk=report_id)
    try:
        GovernanceReport.set_progress(report.pk, 10)
        if report.kind == ReportKind.PORTFOLIO:
            rendered = portfolio_report_render(
                generated_by=report.requested_by_name, variant=report.variant, language=report.language
            )
        else:
            if report.version is None:
                raise DomainError("The model version of this report no longer exists.")
            rendered = model_report_render(
                version=report.version,
                generated_by=report.requested_by_name,
                variant=report.variant,
                language=report.language,
            )
        GovernanceReport.set_progress(report.pk, 90)
        _store(report, rendered)
    except Exception as exc:  # the job ends failed with its reason, never stuck running
        logger.exception("report %s failed", report_id)
        GovernanceReport.mark_failed(report_id, f"{type(exc).__name__}: {exc}")
        raise
    return GovernanceReport.objects.get(pk=report_id)


@transaction.atomic
def _store(report: GovernanceReport, rendered: RenderedReport) -> None:
    chain = rendered.context["chain"]
    report = GovernanceReport.objects.select_for_update().get(pk=report.pk)
    report.sha256 = hashlib.sha256(rendered.pdf).hexdigest()
    report.size_bytes = len(rendered.pdf)
    report.chain_sequence, report.chain_hash = chain["sequence"], chain["hash"]
    report.chain_verified = chain["verified"]
    report.file.save(report.filename, ContentFile(rendered.pdf), save=False)
    report.status, report.progress = JobStatus.SUCCEEDED, 100
    report.finished_at, report.lease_expires_at, report.error = timezone.now(), None, ""
    report.save()
    audit_record(
        action="report.generated",
        obj=report,
        model=report.model,
        after={
            "kind": report.kind,
            "version": report.version_number,
            "variant": report.variant,
            "sha256": report.sha256,
            "size_bytes": report.size_bytes,
            "chain_sequence": report.chain_sequence,
            "chain_hash": report.chain_hash,
            "chain_verified": report.chain_verified,
            "language": report.language,
        },
        actor=report.requested_by,
    )


def on_governance_event(sender: Any, event: AuditEvent, **kwargs: Any) -> None:
    """Store an archival report whenever a version reaches production (receiver of ``governance_event``)."""
    if event.action != "promotion.applied" or (event.after or {}).get("target") != "production":
        return
    try:
        version = ModelVersion.objects.select_related("model").get(
            model_id=event.model_id, version=int((event.after or {}).get("version") or 0)
        )
        # Written in the language of whoever requested the promotion it records (their saved choice, else the
        # site's default); the person who applied it when the request is gone.
        object_id = str(event.object_id or "")
        found = PromotionRequest.objects.filter(pk=int(object_id)).first() if object_id.isdigit() else None
        requester = found.requested_by if found is not None else None
        if requester is None and event.actor_id:
            requester = get_user_model().objects.filter(pk=event.actor_id).first()
        with transaction.atomic():
            report_request(
                actor=None, version=version, trigger=ReportTrigger.PROMOTION, language=user_language(requester)
            )
    except Exception:  # the promotion already committed; a report failure must not surface there
        logger.exception("automatic governance report for event #%s failed", event.sequence)
