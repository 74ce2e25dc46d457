"""The registry's list filters: one FilterSet per list, used by the page and the API alike (through the
selectors' ``*_filter`` functions on the pages, as ``filterset_class`` in the API), so a filter means the same
thing in both. Names people type are matched in part, case-insensitively (model, actor, requester); an invalid
value is an error on the page and a 400 in the API, never silently ignored.

The sortable columns of each list are declared here too: the pages' header links and the API's ``ordering``
parameter accept the same keys.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from registry.choices import RequestStatus, RiskTier, Stage
from registry.models import AuditEvent, ModelVersion, PromotionRequest, RegisteredModel

MODEL_ORDERING = ("name", "risk_tier", "created_at")
REQUEST_ORDERING = ("created_at", "status")
AUDIT_ORDERING = ("sequence", "occurred_at", "actor_name", "action", "model_name")

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class RegisteredModelFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label=gettext_lazy("Search"),
        help_text=gettext_lazy("Part of the name, description or team."),
    )
    name = django_filters.CharFilter(lookup_expr="icontains", label=gettext_lazy("Name contains"))
    risk_tier = django_filters.ChoiceFilter(
        choices=RiskTier.choices, label=gettext_lazy("Risk tier"), empty_label=gettext_lazy("Any risk tier")
    )
    stage = django_filters.ChoiceFilter(
        choices=Stage.choices,
        field_name="versions__stage",
        distinct=True,
        label=gettext_lazy("Has a version in"),
        empty_label=gettext_lazy("Any stage"),
    )
    team = django_filters.CharFilter(field_name="team__name", label=gettext_lazy("Team (exact name)"))
    owner = django_filters.CharFilter(field_name="owner__username", label=gettext_lazy("Owner (username)"))

    page_fields = ("q", "stage", "risk_tier", "owner")

    class Meta:
        model = RegisteredModel
        fields = ["q", "name", "risk_tier", "stage", "team", "owner"]

    def filter_search(self, queryset: QuerySet[RegisteredModel], name: str, value: str) -> QuerySet[RegisteredModel]:
        from django.db.models import Q

        return queryset.filter(
            Q(name__icontains=value) | Q(description__icontains=value) | Q(team__name__icontains=value)
        )


class ModelVersionFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="model__name")
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = ModelVersion
        fields = ["model", "stage", "framework", "run_id"]


class PromotionRequestFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(
        field_name="version__model__name",
        lookup_expr="icontains",
        label=gettext_lazy("Model"),
        help_text=gettext_lazy("Part of its name."),
    )
    status = django_filters.ChoiceFilter(
        choices=RequestStatus.choices, label=gettext_lazy("Status"), empty_label=gettext_lazy("Any status")
    )
    requested_by = django_filters.CharFilter(
        field_name="requested_by__username", lookup_expr="icontains", label=gettext_lazy("Requested by")
    )
    awaiting = django_filters.BooleanFilter(
        method="filter_awaiting",
        label=gettext_lazy("Awaiting my decision"),
        widget=forms.CheckboxInput,
        help_text=gettext_lazy("Open, not mine, not yet decided by me."),
    )

    mine = django_filters.BooleanFilter(
        method="filter_mine",
        label=gettext_lazy("Mine"),
        widget=forms.CheckboxInput,
        help_text=gettext_lazy("Requested by me."),
    )

    page_fields = ("model", "status", "requested_by", "mine", "awaiting")

    class Meta:
        model = PromotionRequest
        fields = ["model", "status", "requested_by", "kind", "mine", "awaiting"]

    def filter_mine(self, queryset: QuerySet[PromotionRequest], name: str, value: Any) -> QuerySet:
        user = getattr(self.request, "user", None)
        return queryset.filter(requested_by=user) if value and user is not None else queryset

    def filter_awaiting(self, queryset: QuerySet[PromotionRequest], name: str, value: Any) -> QuerySet:
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(status=RequestStatus.OPEN).exclude(requested_by=user).exclude(decisions__approver=user)


class AuditEventFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(
        field_name="model_name",
        lookup_expr="icontains",
        label=gettext_lazy("Model"),
        help_text=gettext_lazy("Part of its name."),
    )
    actor = django_filters.CharFilter(
        field_name="actor_name",
        lookup_expr="icontains",
        label=gettext_lazy("Actor"),
        help_text=gettext_lazy("Part of the username."),
    )
    action = django_filters.CharFilter(
        field_name="action",
        lookup_expr="startswith",
        label=gettext_lazy("Action"),
        help_text=gettext_lazy("The action or its start, e.g. promotion. or version.stage_changed"),
    )
    action_prefix = django_filters.CharFilter(
        field_name="action", lookup_expr="startswith", label=gettext_lazy("Action prefix")
    )
    since = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="gte", label=gettext_lazy("Since"), widget=_DATETIME
    )
    until = django_filters.IsoDateTimeFilter(
        field_name="occurred_at", lookup_expr="lte", label=gettext_lazy("Until"), widget=_DATETIME
    )
    request_id = django_filters.CharFilter(label=gettext_lazy("Request id"))
    object_type = django_filters.CharFilter(
        label=gettext_lazy("Object type"), help_text=gettext_lazy("e.g. model, version, assessment")
    )

    page_fields = ("model", "actor", "action", "since", "until", "object_type", "request_id")

    class Meta:
        model = AuditEvent
        fields = ["model", "actor", "action", "action_prefix", "since", "until", "request_id", "object_type"]

    def is_valid(self) -> bool:
        valid = super().is_valid()
        data = self.form.cleaned_data if hasattr(self.form, "cleaned_data") else {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.form.add_error("until", "Until is before since: swap the two dates.")
            return False
        return valid
