"""Monitoring REST API (/api/v1/): datasets (multipart upload), drift checks (202 + poll), alerts, deliveries,
per-model monitoring configuration, alert routing (webhook endpoints, alert rules). Thin: reads via selectors,
writes via services."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from mlops_gov.api.parsers import JSONParser
from mlops_gov.api.permissions import ReadOnlyRolePermissions, RoleModelPermissions
from mlops_gov.errors import NotFoundError
from monitoring import selectors, services
from monitoring.api import serializers as s
from monitoring.api.filters import AlertRuleFilter, WebhookEndpointFilter
from monitoring.filters import (
    ALERT_ORDERING,
    CHECK_ORDERING,
    DATASET_ORDERING,
    AlertFilter,
    DatasetFilter,
    DriftCheckFilter,
)
from monitoring.models import (
    Alert,
    AlertRule,
    Dataset,
    DatasetImport,
    Delivery,
    DriftCheck,
    MonitoringConfig,
    WebhookEndpoint,
)
from registry.models import ModelVersion, RegisteredModel


def _validated(serializer_class, data, partial: bool = False) -> dict:
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _version(model_name: str, number: int) -> ModelVersion:
    return get_object_or_404(ModelVersion.objects.select_related("model"), model__name=model_name, version=number)


class DatasetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Reference datasets and current batches. Upload: multipart form with ``file`` (CSV, gzip/zip CSV, Parquet)."""

    lookup_value_regex = r"\d+"  # a non-numeric id is a 404, not a ValueError
    permission_classes = [RoleModelPermissions]
    queryset = Dataset.objects.all()
    serializer_class = s.DatasetOutSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_class = DatasetFilter  # the datasets page's filters too (selectors.dataset_filter)
    ordering_fields = list(DATASET_ORDERING)
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.dataset_list()

    @extend_schema(request={"multipart/form-data": s.DatasetUploadSerializer}, responses={201: s.DatasetOutSerializer})
    def create(self, request):
        upload = request.FILES.get("file")
        limit = settings.MLOPS_GOV["UPLOAD_MAX_BYTES"]
        if upload is not None and upload.size > limit:
            return Response(
                {"file": [f"The file is {upload.size:,} bytes; the limit is {limit:,} bytes."]},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        data = _validated(s.DatasetUploadSerializer, request.data)
        version = _version(data["model"], data["version"])
        roles = s.DatasetUploadSerializer.roles(data)
        dataset = services.dataset_upload(
            version=version,
            kind=data["kind"],
            data=data["file"].read(),
            filename=data["file"].name or "upload",
            actor=request.user,
            roles=roles,
            trigger_check=data["run_check"],
        )
        return Response(s.DatasetOutSerializer(selectors.dataset_list().get(pk=dataset.pk)).data, status=201)


class DatasetImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Datasets registered by URI (s3://, gs://, abfss://, allow-listed file://): create answers 202 with the queued
    job; a worker reads the object where it lives; poll until succeeded (``dataset`` is the stored result) or failed."""

    permission_classes = [RoleModelPermissions]
    queryset = DatasetImport.objects.all()
    serializer_class = s.DatasetImportOutSerializer
    filterset_fields = ["status", "kind", "version__model__name", "version__version"]
    ordering_fields = ["created_at", "finished_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.dataset_import_list()

    @extend_schema(request=s.DatasetImportInSerializer, responses={202: s.DatasetImportOutSerializer})
    def create(self, request):
        data = _validated(s.DatasetImportInSerializer, request.data)
        version = _version(data["model"], data["version"])
        job = services.dataset_import_request(
            version=version,
            kind=data["kind"],
            uri=data["uri"],
            actor=request.user,
            roles=s.DatasetImportInSerializer.roles(data),
            run_check=data["run_check"],
        )
        body = s.DatasetImportOutSerializer(selectors.dataset_import_list().get(pk=job.pk)).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["poll_url"]})


class DriftCheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Drift checks: create answers 202 with the queued job; poll its URL until succeeded or failed."""

    lookup_value_regex = r"\d+"  # a non-numeric id is a 404, not a ValueError
    permission_classes = [RoleModelPermissions]
    queryset = DriftCheck.objects.all()
    filterset_class = DriftCheckFilter  # the checks page's filters too (selectors.check_filter)
    ordering_fields = list(CHECK_ORDERING)
    ordering = ["-created_at", "-id"]

    def get_serializer_class(self):
        return s.CheckDetailSerializer if self.action == "retrieve" else s.CheckOutSerializer

    def get_queryset(self):
        qs = selectors.check_list()
        return qs.prefetch_related("columns") if self.action == "retrieve" else qs

    @extend_schema(request=s.CheckInSerializer, responses={202: s.CheckOutSerializer})
    def create(self, request):
        data = _validated(s.CheckInSerializer, request.data)
        version = _version(data["model"], data["version"])
        current = Dataset.objects.filter(pk=data["current"], version=version).first()
        if current is None:  # as for the model and version named in the body: a missing object is a 404
            raise NotFoundError(f"Dataset #{data['current']} is not a dataset of {version}.")
        check = services.check_create(version=version, current=current, actor=request.user)
        check.refresh_from_db()
        body = s.CheckOutSerializer(check).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["poll_url"]})


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"  # a non-numeric id is a 404, not a ValueError
    permission_classes = [ReadOnlyRolePermissions]
    queryset = Alert.objects.all()
    serializer_class = s.AlertSerializer
    filterset_class = AlertFilter  # the alerts page's filters too (selectors.alert_filter)
    ordering_fields = list(ALERT_ORDERING)
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.alert_list()


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"  # a non-numeric id is a 404, not a ValueError
    permission_classes = [ReadOnlyRolePermissions]
    queryset = Delivery.objects.all()
    serializer_class = s.DeliverySerializer
    filterset_fields = ["status", "channel", "event"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.delivery_list()


class ConfigViewSet(viewsets.GenericViewSet):
    """Per-model monitoring configuration: /monitoring-configs/{model name}/ (GET, PATCH)."""

    permission_classes = [RoleModelPermissions]
    queryset = MonitoringConfig.objects.all()
    serializer_class = s.ConfigSerializer
    lookup_field = "model_name"
    lookup_value_regex = r"[^/]+"

    def _model(self, model_name: str) -> RegisteredModel:
        return get_object_or_404(RegisteredModel, name=model_name)

    def retrieve(self, request, model_name: str):
        return Response(s.ConfigSerializer(selectors.config_for(self._model(model_name))).data)

    @extend_schema(request=s.ConfigSerializer, responses=s.ConfigSerializer)
    def partial_update(self, request, model_name: str):
        data = _validated(s.ConfigSerializer, request.data, partial=True)
        config = services.config_update(model=self._model(model_name), actor=request.user, **data)
        return Response(s.ConfigSerializer(config).data)


class _RoutingViewSet(viewsets.GenericViewSet):
    """Webhook endpoints and alert rules, addressed by name. ML engineers edit (through the audited service), every
    role reads."""

    permission_classes = [RoleModelPermissions]
    lookup_field = "name"
    lookup_value_regex = r"[^/]+"
    ordering = ["name"]
    in_serializer: type
    out_serializer: type

    def _stored(self, name: str):
        return get_object_or_404(self.get_queryset().model._default_manager.all(), name=name)

    def _out(self, name: str, status_code: int = status.HTTP_200_OK) -> Response:
        obj = get_object_or_404(self.get_queryset(), name=name)
        return Response(self.out_serializer(obj, context=self.get_serializer_context()).data, status=status_code)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context()
        return self.get_paginated_response(self.out_serializer(page, many=True, context=context).data)

    def retrieve(self, request, name: str):
        return self._out(name)

    def create(self, request):
        data = _validated(self.in_serializer, request.data)
        obj = services.alert_routing_save(obj=self.get_queryset().model(), actor=request.user, changes=data)
        return self._out(obj.name, status.HTTP_201_CREATED)

    def partial_update(self, request, name: str):
        data = _validated(self.in_serializer, request.data, partial=True)
        obj = services.alert_routing_save(obj=self._stored(name), actor=request.user, changes=data)
        return self._out(obj.name)

    def destroy(self, request, name: str):
        services.alert_routing_delete(obj=self._stored(name), actor=request.user, cascade=False)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    create=extend_schema(request=s.WebhookEndpointInSerializer, responses={201: s.WebhookEndpointOutSerializer}),
    partial_update=extend_schema(request=s.WebhookEndpointInSerializer, responses=s.WebhookEndpointOutSerializer),
    destroy=extend_schema(description="Refused (409) while alert rules use the endpoint."),
)
class WebhookEndpointViewSet(_RoutingViewSet):
    """Webhook endpoints: /webhook-endpoints/{name}/. The secret is write-only (``has_secret`` in answers)."""

    queryset = WebhookEndpoint.objects.all()
    serializer_class = s.WebhookEndpointOutSerializer
    in_serializer = s.WebhookEndpointInSerializer
    out_serializer = s.WebhookEndpointOutSerializer
    filterset_class = WebhookEndpointFilter
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return selectors.webhook_endpoint_list()


@extend_schema_view(
    create=extend_schema(request=s.AlertRuleInSerializer, responses={201: s.AlertRuleOutSerializer}),
    partial_update=extend_schema(request=s.AlertRuleInSerializer, responses=s.AlertRuleOutSerializer),
)
class AlertRuleViewSet(_RoutingViewSet):
    """Alert rules: /alert-rules/{name}/, which events go to which webhook and e-mail addresses."""

    queryset = AlertRule.objects.all()
    serializer_class = s.AlertRuleOutSerializer
    in_serializer = s.AlertRuleInSerializer
    out_serializer = s.AlertRuleOutSerializer
    filterset_class = AlertRuleFilter
    ordering_fields = ["name"]

    def get_queryset(self):
        return selectors.alert_rule_list()
