"""The stored reports list's filters: one FilterSet used by the page (through ``selectors.report_filter``) and the
API (as ``filterset_class``), so a filter means the same thing in both. The model and the requester are matched in
part, case-insensitively; a bad value is an error beside its field on the page and a 400 in the API. The API's
earlier exact ``model_name`` still works. The sortable columns are declared here for the page and the API alike.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from mlops_gov.api.filters import StrictFilterSet
from mlops_gov.jobs import JobStatus
from mlops_gov.listing import PeriodFilterMixin, since_filter, until_filter
from reports.choices import ReportKind, ReportTrigger
from reports.models import GovernanceReport

REPORT_ORDERING = ("id", "created_at", "model_name", "status", "size_bytes")


class GovernanceReportFilter(PeriodFilterMixin, StrictFilterSet):
    model = django_filters.CharFilter(
        field_name="model_name", lookup_expr="icontains", label=_("Model"), help_text=_("Part of its name.")
    )
    kind = django_filters.ChoiceFilter(choices=ReportKind.choices, label=_("Kind"), empty_label=_("Any kind"))
    status = django_filters.ChoiceFilter(choices=JobStatus.choices, label=_("Status"), empty_label=_("Any status"))
    trigger = django_filters.ChoiceFilter(
        choices=ReportTrigger.choices, label=_("Trigger"), empty_label=_("Any trigger")
    )
    requested_by = django_filters.CharFilter(
        field_name="requested_by_name", lookup_expr="icontains", label=_("Requested by"), help_text=_("Part of it.")
    )
    since = since_filter()
    until = until_filter()

    page_fields = ("model", "kind", "status", "trigger", "requested_by", "since", "until")

    class Meta:
        model = GovernanceReport
        fields = ["model", "kind", "status", "trigger", "requested_by", "since", "until", "model_name"]
