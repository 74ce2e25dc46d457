"""Filters of the monitoring API's alert-routing lists."""

from __future__ import annotations

from django_filters import rest_framework as filters

from monitoring.models import AlertRule, WebhookEndpoint


class WebhookEndpointFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")
    enabled = filters.BooleanFilter()

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "enabled"]


class AlertRuleFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")
    enabled = filters.BooleanFilter()
    model = filters.CharFilter(field_name="model__name", help_text="Rules of this model (exact name).")
    webhook = filters.CharFilter(field_name="webhook__name", help_text="Rules using this webhook (exact name).")

    class Meta:
        model = AlertRule
        fields = ["name", "enabled", "model", "webhook"]
