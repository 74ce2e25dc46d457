"""Who may read governance reports: auditors and the model's team (owner included); superusers. Others get 404."""

from __future__ import annotations

from mlops_gov.actors import Viewer
from registry.models import RegisteredModel
from registry.permissions import is_model_team_member
from reports.choices import ReportKind
from reports.models import GovernanceReport


def is_auditor(user: Viewer | None) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("registry.export_audit"))


def can_read_model_reports(user: Viewer | None, model: RegisteredModel | None) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or is_auditor(user):
        return True
    if model is None:
        return False
    return is_model_team_member(user, model) or is_reviewing(user, model)


def is_reviewing(user: Viewer, model: RegisteredModel) -> bool:
    """An approver reads the report of a model while one of its promotion requests is open (the evidence)."""
    from registry.choices import RequestStatus
    from registry.models import PromotionRequest

    return user.has_perm("registry.decide_promotionrequest") and (
        PromotionRequest.objects.filter(version__model=model, status=RequestStatus.OPEN).exists()
    )


def can_generate_model_report(user: Viewer | None, model: RegisteredModel) -> bool:
    """Storing a report is a write: the role's add permission plus team membership (superusers always)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return user.has_perm("reports.add_governancereport") and is_model_team_member(user, model)


def can_read_portfolio(user: Viewer | None) -> bool:
    """The governance committee: auditors and approvers."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or is_auditor(user) or user.has_perm("registry.decide_promotionrequest")


def can_read_report(user: Viewer | None, report: GovernanceReport) -> bool:
    if report.kind == ReportKind.PORTFOLIO:
        return can_read_portfolio(user)
    if report.model is None:  # the model was deleted: auditors only
        return is_auditor(user) or bool(user and user.is_superuser)
    return can_read_model_reports(user, report.model)
