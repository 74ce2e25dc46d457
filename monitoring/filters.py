"""The monitoring lists' filters (drift checks, alerts, datasets): one FilterSet per list, used by the page (through
the selectors' ``*_filter`` functions) and the API (as ``filterset_class``), so a filter means the same thing in
both. The model is matched in part, case-insensitively; a value of the wrong type is an error beside its field on
the page and a 400 in the API. The API's earlier exact parameters (``version__model__name``, ``version__version``,
``model__name``) still work.

The sortable columns of each list are declared here too: the pages' header links and the API's ``ordering``
parameter accept the same keys.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from mlops_gov.api.filters import IntegerFilter, StrictBooleanFilter, StrictFilterSet
from mlops_gov.jobs import JobStatus
from mlops_gov.listing import PeriodFilterMixin, since_filter, until_filter
from monitoring.models import Alert, AlertKind, Dataset, DatasetKind, DriftCheck

CHECK_ORDERING = ("id", "version__model__name", "status", "drift_share", "created_at", "finished_at")
ALERT_ORDERING = ("created_at", "kind", "model__name")
DATASET_ORDERING = ("created_at", "name", "kind", "version__model__name", "n_rows", "size_bytes")

_VERDICTS = [("", _("Any verdict")), ("true", _("Dataset drift")), ("false", _("No dataset drift"))]


class DriftCheckFilter(PeriodFilterMixin, StrictFilterSet):
    model = django_filters.CharFilter(
        field_name="version__model__name", lookup_expr="icontains", label=_("Model"), help_text=_("Part of its name.")
    )
    version = IntegerFilter(field_name="version__version", label=_("Version"), min_value=1)
    status = django_filters.ChoiceFilter(choices=JobStatus.choices, label=_("Status"), empty_label=_("Any status"))
    dataset_drift = StrictBooleanFilter(label=_("Verdict"), widget=forms.Select(choices=_VERDICTS))
    since = since_filter()
    until = until_filter()

    page_fields = ("model", "version", "status", "dataset_drift", "since", "until")

    class Meta:
        model = DriftCheck
        fields = [
            "model",
            "version",
            "status",
            "dataset_drift",
            "since",
            "until",
            "version__model__name",
            "version__version",
        ]


class AlertFilter(PeriodFilterMixin, StrictFilterSet):
    model = django_filters.CharFilter(
        field_name="model__name", lookup_expr="icontains", label=_("Model"), help_text=_("Part of its name.")
    )
    kind = django_filters.ChoiceFilter(choices=AlertKind.choices, label=_("Kind"), empty_label=_("Any kind"))
    since = since_filter()
    until = until_filter()

    page_fields = ("model", "kind", "since", "until")

    class Meta:
        model = Alert
        fields = ["model", "kind", "since", "until", "model__name"]


class DatasetFilter(PeriodFilterMixin, StrictFilterSet):
    model = django_filters.CharFilter(
        field_name="version__model__name", lookup_expr="icontains", label=_("Model"), help_text=_("Part of its name.")
    )
    version = IntegerFilter(field_name="version__version", label=_("Version"), min_value=1)
    kind = django_filters.ChoiceFilter(choices=DatasetKind.choices, label=_("Kind"), empty_label=_("Any kind"))
    name = django_filters.CharFilter(lookup_expr="icontains", label=_("File name"), help_text=_("Part of it."))
    since = since_filter()
    until = until_filter()

    page_fields = ("model", "version", "kind", "name", "since", "until")

    class Meta:
        model = Dataset
        fields = ["model", "version", "kind", "name", "since", "until", "version__model__name", "version__version"]
