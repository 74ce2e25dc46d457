import django_filters

from registry.choices import RequestStatus, RiskTier, Stage
from registry.models import AuditEvent, ModelVersion, PromotionRequest, RegisteredModel


class RegisteredModelFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(lookup_expr="icontains")
    risk_tier = django_filters.ChoiceFilter(choices=RiskTier.choices)
    team = django_filters.CharFilter(field_name="team__name")
    owner = django_filters.CharFilter(field_name="owner__username")
    stage = django_filters.ChoiceFilter(choices=Stage.choices, field_name="versions__stage", distinct=True)

    class Meta:
        model = RegisteredModel
        fields = ["name", "risk_tier", "team", "owner", "stage"]


class ModelVersionFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="model__name")
    stage = django_filters.ChoiceFilter(choices=Stage.choices)
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = ModelVersion
        fields = ["model", "stage", "framework", "run_id"]


class PromotionRequestFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="version__model__name")
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    requested_by = django_filters.CharFilter(field_name="requested_by__username")

    class Meta:
        model = PromotionRequest
        fields = ["model", "status", "requested_by", "kind"]


class AuditEventFilter(django_filters.FilterSet):
    model = django_filters.CharFilter(field_name="model_name")
    actor = django_filters.CharFilter(field_name="actor_name")
    action = django_filters.CharFilter()
    action_prefix = django_filters.CharFilter(field_name="action", lookup_expr="startswith")
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lte")
    request_id = django_filters.CharFilter()
    object_type = django_filters.CharFilter()

    class Meta:
        model = AuditEvent
        fields = ["model", "actor", "action", "action_prefix", "since", "until", "request_id", "object_type"]
