"""Filters of the monitoring API's alert-routing lists."""

from __future__ import annotations

from django_filters import rest_framework as filters

from mlops_gov.api.filters import StrictBooleanFilter, StrictFilterSet
from monitoring.models import AlertRule, WebhookEndpoint


class WebhookEndpointFilter(StrictFilterSet):
    name = filters.CharFilter(lookup_expr="icontains")
    enabled = StrictBooleanFilter()

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "enabled"]


class AlertRuleFilter(StrictFilterSet):
    name = filters.CharFilter(lookup_expr="icontains")
    enabled = StrictBooleanFilter()
    model = filters.CharFilter(field_name="model__name", help_text="Rules of this model (exact name).")
    webhook = filters.CharFilter(field_name="webhook__name", help_text="Rules using this webhook (exact name).")

    class Meta:
        model = AlertRule
        fields = ["name", "enabled", "model", "webhook"]
