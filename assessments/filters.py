"""The assessments list's filters: one FilterSet used by the page (through ``selectors.assessment_filter``) and the
API (as ``filterset_class``), so a filter means the same thing in both. The model and the person who started it are
matched in part, case-insensitively; an invalid value is an error on the page and a 400 in the API.

The sortable columns are declared here too: the page's header links and the API's ``ordering`` accept the same keys.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from assessments.localise import framework_name
from assessments.models import Assessment, AssessmentStatus, Framework

ASSESSMENT_ORDERING = ("id", "model__name", "framework__slug", "status", "score", "created_at", "submitted_at")


def _framework_choices() -> list[tuple[str, str]]:
    current = Framework.objects.filter(is_current=True).order_by("slug").values_list("slug", "definition")
    names = {slug: framework_name(definition) for slug, definition in current}  # in the reader's language
    for slug in Framework.objects.values_list("slug", flat=True).distinct():
        names.setdefault(slug, slug)
    return sorted(names.items())


class AssessmentFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(
        field_name="model__name", lookup_expr="icontains", label=_("Model"), help_text=_("Part of its name.")
    )
    framework = django_filters.ChoiceFilter(
        field_name="framework__slug", choices=_framework_choices, label=_("Framework"), empty_label=_("Any framework")
    )
    status = django_filters.ChoiceFilter(
        choices=AssessmentStatus.choices, label=_("Status"), empty_label=_("Any status")
    )
    started_by = django_filters.CharFilter(
        field_name="created_by__username",
        lookup_expr="icontains",
        label=_("Started by"),
        help_text=_("Part of the username."),
    )
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("Started by me"), widget=forms.CheckboxInput)

    page_fields = ("model", "framework", "status", "started_by", "mine")

    class Meta:
        model = Assessment
        fields = ["model", "framework", "status", "started_by", "mine"]

    def filter_mine(self, queryset: QuerySet[Assessment], name: str, value: Any) -> QuerySet[Assessment]:
        user = getattr(self.request, "user", None)
        return queryset.filter(created_by=user) if value and user is not None else queryset
