"""Which versions and stored reports a user may see (the rules live in ``reports.permissions``), and the reports
app's dashboard cards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from mlops_gov.actors import Viewer
from mlops_gov.listing import ordered
from registry.choices import Stage
from registry.models import ModelVersion, RegisteredModel
from reports import permissions
from reports.choices import ReportKind
from reports.filters import REPORT_ORDERING, GovernanceReportFilter
from reports.models import GovernanceReport


def production_version(model: RegisteredModel) -> ModelVersion | None:
    return model.versions.filter(stage=Stage.PRODUCTION).first()


def report_version(*, model: RegisteredModel, version: int | None = None) -> ModelVersion | None:
    """The version a report is about: the given number, else production, else None."""
    qs = ModelVersion.objects.select_related("model__owner", "model__team", "created_by", "parent", "card")
    if version is not None:
        return qs.filter(model=model, version=version).first()
    return qs.filter(model=model, stage=Stage.PRODUCTION).first()


def report_list(*, user: Viewer | None) -> QuerySet[GovernanceReport]:
    """Stored reports the user may read: all for auditors, their team's models otherwise."""
    qs = GovernanceReport.objects.select_related("model", "requested_by").order_by("-created_at", "-id")
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if user.is_superuser or permissions.is_auditor(user):
        return qs
    team_models = Q(model__owner=user) | Q(model__team__members=user)
    visible = Q(kind=ReportKind.MODEL) & team_models
    if permissions.can_read_portfolio(user):
        visible |= Q(kind=ReportKind.PORTFOLIO)
    return qs.filter(visible).distinct()


def report_filter(params: Any, *, user: Viewer | None, ordering: str = "") -> GovernanceReportFilter:
    """The stored reports the user may read, as the page and the API filter them (same FilterSet)."""
    qs = ordered(report_list(user=user), ordering, REPORT_ORDERING, "-id")
    return GovernanceReportFilter(params if params is not None else {}, queryset=qs)


def dashboard_cards(*, user: Viewer | None) -> list[dict[str, Any]]:
    qs = report_list(user=user)
    latest: datetime | None = qs.values_list("created_at", flat=True).first()
    card: dict[str, Any] = {
        "label": _("Governance reports"),
        "value": qs.count(),
        "url": reverse("reports:report-list"),
    }
    if latest is not None:
        card["note"] = _("latest %(when)s") % {"when": f"{latest:%Y-%m-%d %H:%M}"}
    return [card]


def needs_me(*, user: Viewer | None) -> list[dict[str, Any]]:
    """For auditors: the reports generated lately (a 14-day trend of reports per day)."""
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from mlops_gov.svg import daily_counts

    if not permissions.is_auditor(user):
        return []
    now = timezone.now()
    days = 14
    recent = GovernanceReport.objects.filter(created_at__gte=now - timedelta(days=days))
    trend = daily_counts(recent.values_list("created_at", flat=True), days=days, now=now)
    return [
        {
            "group": _("Audit"),
            "label": _("Reports generated in the last 7 days"),
            "value": recent.filter(created_at__gte=now - timedelta(days=7)).count(),
            "url": reverse("reports:report-list"),
            "trend": trend,
            "trend_label": _("Reports per day, last %(days)s days") % {"days": days},
        }
    ]
