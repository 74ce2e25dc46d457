"""Registry REST API (/api/v1/): thin views; reads via selectors, writes via services."""

from __future__ import annotations

import datetime
import json

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from mlops_gov.api.permissions import ChangeForWrites, RoleModelPermissions, ViewerMayCall
from registry import selectors, services
from registry.api import serializers as s
from registry.audit import audit_head, audit_verify, checkpoints
from registry.choices import Decision
from registry.filters import (
    AUDIT_ORDERING,
    MODEL_ORDERING,
    REQUEST_ORDERING,
    AuditEventFilter,
    ModelVersionFilter,
    PromotionRequestFilter,
    RegisteredModelFilter,
)
from registry.models import (
    AuditEvent,
    ModelCard,
    ModelVersion,
    PromotionPolicy,
    PromotionRequest,
    RegisteredModel,
    alias_validator,
)

ALIAS_PARAMETER = OpenApiParameter(
    "alias",
    str,
    OpenApiParameter.PATH,
    pattern=str(getattr(alias_validator.regex, "pattern", alias_validator.regex)),
    description=str(alias_validator.message),
)


class ModelViewSet(viewsets.ViewSet, viewsets.GenericViewSet):
    """Registered models. Owners and their team edit; every role reads."""

    permission_classes = [RoleModelPermissions]
    queryset = RegisteredModel.objects.all()
    lookup_field = "name"
    lookup_value_regex = r"[^/]+"
    filterset_class = RegisteredModelFilter
    search_fields = ["name", "description"]
    ordering_fields = list(MODEL_ORDERING)
    ordering = ["name"]
    serializer_class = s.ModelOutSerializer

    def get_queryset(self):
        return selectors.model_list()

    def _get(self, name: str) -> RegisteredModel:
        return get_object_or_404(RegisteredModel.objects.select_related("owner", "team"), name=name)

    def list(self, request):
        qs = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.ModelOutSerializer(page, many=True).data)

    def retrieve(self, request, name: str):
        model = get_object_or_404(self.get_queryset(), name=name)
        return Response(s.ModelOutSerializer(model).data)

    @extend_schema(request=s.ModelInSerializer, responses={201: s.ModelOutSerializer})
    def create(self, request):
        data = _validated(s.ModelInSerializer, request.data)
        model = services.model_create(actor=request.user, **data)
        return Response(s.ModelOutSerializer(self._get(model.name)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ModelUpdateSerializer, responses=s.ModelOutSerializer)
    def partial_update(self, request, name: str):
        data = _validated(s.ModelUpdateSerializer, request.data, partial=True)
        model = services.model_update(model=self._get(name), actor=request.user, **data)
        return Response(s.ModelOutSerializer(self._get(model.name)).data)

    def destroy(self, request, name: str):
        services.model_delete(model=self._get(name), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter("as_of", OpenApiTypes.DATETIME, required=True)],
        responses=OpenApiTypes.OBJECT,
        description="Which version was in production and where each alias pointed at the given moment.",
    )
    @action(detail=True, methods=["get"])
    def history(self, request, name: str):
        at = parse_as_of(request.query_params.get("as_of", ""))
        return Response(selectors.state_as_of(self._get(name), at))


class VersionViewSet(viewsets.GenericViewSet):
    """Versions of one model: /models/{name}/versions/{version}/."""

    permission_classes = [RoleModelPermissions]
    queryset = ModelVersion.objects.all()
    serializer_class = s.VersionOutSerializer
    lookup_field = "version"
    lookup_value_regex = r"\d+"
    filterset_class = ModelVersionFilter
    ordering_fields = ["version", "created_at"]
    ordering = ["-version"]

    def _model(self) -> RegisteredModel:
        return get_object_or_404(RegisteredModel, name=self.kwargs["model_name"])

    def get_queryset(self):
        return selectors.version_list(model=self._model())

    def get_serializer_class(self):
        # What the browsable API builds its forms with: the card's own fields, the stage move's input.
        return {"card": s.CardSerializer, "stage": s.StageInSerializer}.get(self.action, s.VersionOutSerializer)

    def _get(self, version: int) -> ModelVersion:
        return get_object_or_404(self.get_queryset(), version=version)

    def list(self, request, model_name: str):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.VersionOutSerializer(page, many=True).data)

    def retrieve(self, request, model_name: str, version: int):
        return Response(s.VersionOutSerializer(self._get(version)).data)

    @extend_schema(request=s.VersionInSerializer, responses={201: s.VersionOutSerializer})
    def create(self, request, model_name: str):
        model = self._model()
        data = _validated(s.VersionInSerializer, request.data)
        parent_number = data.pop("parent_version", None)
        if parent_number is not None:
            data["parent"] = get_object_or_404(ModelVersion, model=model, version=parent_number)
        version = services.version_create(model=model, actor=request.user, **data)
        return Response(s.VersionOutSerializer(self._get(version.version)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.VersionUpdateSerializer, responses=s.VersionOutSerializer)
    def partial_update(self, request, model_name: str, version: int):
        data = _validated(s.VersionUpdateSerializer, request.data, partial=True)
        services.version_update(version=self._get(version), actor=request.user, **data)
        return Response(s.VersionOutSerializer(self._get(version)).data)

    def destroy(self, request, model_name: str, version: int):
        services.version_delete(version=self._get(version), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.CardSerializer, responses=s.CardSerializer, methods=["PUT", "PATCH"])
    @extend_schema(responses=s.CardSerializer, methods=["GET"])
    @action(detail=True, methods=["get", "put", "patch"])
    def card(self, request, model_name: str, version: int):
        model_version = self._get(version)
        if request.method in SAFE_METHODS:
            card = getattr(model_version, "card", None) or ModelCard(version=model_version)
            return Response(s.CardSerializer(card).data)
        data = _validated(s.CardSerializer, request.data, partial=request.method == "PATCH")
        card = services.card_update(version=model_version, actor=request.user, **data)
        return Response(s.CardSerializer(card).data)

    @extend_schema(request=s.StageInSerializer, responses=s.VersionOutSerializer)
    @action(detail=True, methods=["post"])
    def stage(self, request, model_name: str, version: int):
        """Direct stage move (to staging or archived). Production needs a promotion request."""
        data = _validated(s.StageInSerializer, request.data)
        services.version_transition(
            version=self._get(version),
            target=data["stage"],
            actor=request.user,
            archive_existing=data["archive_existing"],
        )
        return Response(s.VersionOutSerializer(self._get(version)).data)


@extend_schema_view(
    retrieve=extend_schema(parameters=[ALIAS_PARAMETER]),
    update=extend_schema(parameters=[ALIAS_PARAMETER]),
    destroy=extend_schema(parameters=[ALIAS_PARAMETER]),
)
class AliasViewSet(viewsets.GenericViewSet):
    permission_classes = [ChangeForWrites]
    queryset = RegisteredModel.objects.all()  # permissions are those of the model
    serializer_class = s.AliasOutSerializer
    lookup_field = "alias"
    ordering = ["alias"]

    def _model(self) -> RegisteredModel:
        return get_object_or_404(RegisteredModel, name=self.kwargs["model_name"])

    def get_object(self):
        # What OPTIONS and the browsable API read: the alias itself (the queryset is the models', for permissions).
        return get_object_or_404(selectors.alias_list(model=self._model()), alias=self.kwargs["alias"])

    def list(self, request, model_name: str):
        page = self.paginate_queryset(selectors.alias_list(model=self._model()))
        return self.get_paginated_response(s.AliasOutSerializer(page, many=True).data)

    def retrieve(self, request, model_name: str, alias: str):
        alias_obj = get_object_or_404(selectors.alias_list(model=self._model()), alias=alias)
        return Response(s.AliasOutSerializer(alias_obj).data)

    @extend_schema(request=s.AliasInSerializer, responses=s.AliasOutSerializer)
    def update(self, request, model_name: str, alias: str):
        model = self._model()
        data = _validated(s.AliasInSerializer, request.data)
        version = get_object_or_404(ModelVersion, model=model, version=data["version"])
        obj = services.alias_set(model=model, alias=alias, version=version, actor=request.user)
        return Response(s.AliasOutSerializer(obj).data)

    def destroy(self, request, model_name: str, alias: str):
        services.alias_delete(model=self._model(), alias=alias, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AllVersionsViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every version of every model, filterable by model and stage."""

    permission_classes = [RoleModelPermissions]
    serializer_class = s.VersionOutSerializer
    filterset_class = ModelVersionFilter
    ordering_fields = ["created_at", "version"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.version_list().order_by("-created_at", "-id")


class PromotionRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Promotion requests: create (owners/team), approve or reject (approvers, never the requester), withdraw."""

    permission_classes = [RoleModelPermissions]
    serializer_class = s.PromotionRequestOutSerializer
    filterset_class = PromotionRequestFilter
    lookup_value_regex = r"\d+"
    ordering_fields = list(REQUEST_ORDERING)
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.request_list()  # ?awaiting=1 is a filter of PromotionRequestFilter, as on the page

    @extend_schema(
        request=s.PromotionRequestInSerializer,
        responses={
            201: s.PromotionRequestOutSerializer,
            200: OpenApiResponse(s.PromotionRequestOutSerializer, description="The open request for that target."),
        },
    )
    def create(self, request):
        data = _validated(s.PromotionRequestInSerializer, request.data)
        version = get_object_or_404(
            ModelVersion.objects.select_related("model"), model__name=data["model"], version=data["version"]
        )
        promotion, created = services.promotion_request_create(
            version=version,
            actor=request.user,
            justification=data["justification"],
            kind=data["kind"],
            alias=data["alias"],
        )
        out = s.PromotionRequestOutSerializer(self.get_queryset().get(pk=promotion.pk)).data
        return Response(out, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def get_permissions(self):
        if self.action in ("approve", "reject", "withdraw", "recheck"):
            return [ViewerMayCall()]
        return super().get_permissions()

    def _decide(self, request, pk, decision: str):
        data = _validated(s.DecisionInSerializer, request.data)
        promotion = get_object_or_404(PromotionRequest, pk=pk)
        services.promotion_decide(
            request=promotion,
            actor=request.user,
            decision=decision,
            comment=data["comment"],
            evidence_hash=data["evidence_hash"],
        )
        return Response(s.PromotionRequestOutSerializer(selectors.request_list().get(pk=pk)).data)

    @extend_schema(request=s.DecisionInSerializer, responses=s.PromotionRequestOutSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, pk, Decision.APPROVE)

    @extend_schema(request=s.DecisionInSerializer, responses=s.PromotionRequestOutSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, pk, Decision.REJECT)

    @extend_schema(request=s.WithdrawInSerializer, responses=s.PromotionRequestOutSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        data = _validated(s.WithdrawInSerializer, request.data)
        services.promotion_withdraw(request=get_object_or_404(PromotionRequest, pk=pk), actor=request.user, **data)
        return Response(s.PromotionRequestOutSerializer(selectors.request_list().get(pk=pk)).data)

    @extend_schema(request=None, responses=s.PromotionRequestOutSerializer)
    @action(detail=True, methods=["post"])
    def recheck(self, request, pk=None):
        """Re-evaluate the gates; applies the request if its approvals are in and the gates now pass."""
        services.promotion_recheck(request=get_object_or_404(PromotionRequest, pk=pk), actor=request.user)
        return Response(s.PromotionRequestOutSerializer(selectors.request_list().get(pk=pk)).data)


class MayVerifyAudit(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("registry.verify_audit"))


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The audit trail, read-only, with the chain head and a verification endpoint."""

    permission_classes = [RoleModelPermissions]
    serializer_class = s.AuditEventSerializer
    filterset_class = AuditEventFilter
    lookup_field = "sequence"
    lookup_value_regex = r"\d+"
    ordering_fields = list(AUDIT_ORDERING)
    ordering = ["-sequence"]
    queryset = AuditEvent.objects.all()

    def get_queryset(self):
        return selectors.audit_list()

    @extend_schema(
        responses=inline_serializer(
            "AuditHead", {"sequence": serializers.IntegerField(), "hash": serializers.CharField()}
        )
    )
    @action(detail=False, methods=["get"])
    def head(self, request):
        return Response(audit_head())

    @extend_schema(
        responses=inline_serializer(
            "AuditVerify",
            {
                "ok": serializers.BooleanField(),
                "checked": serializers.IntegerField(),
                "head_sequence": serializers.IntegerField(),
                "head_hash": serializers.CharField(),
                "first_break": serializers.DictField(allow_null=True),
            },
        )
    )
    @action(detail=False, methods=["get"])
    def verify(self, request):
        result = audit_verify()
        return Response(
            {
                "ok": result.ok,
                "checked": result.checked,
                "head_sequence": result.head_sequence,
                "head_hash": result.head_hash,
                "first_break": (
                    {"sequence": result.first_break.sequence, "reason": result.first_break.reason}
                    if result.first_break
                    else None
                ),
            }
        )

    # --- signed checkpoints (issue #14) ---

    @extend_schema(
        responses=inline_serializer(
            "AuditCheckpoints",
            {
                "public_key": serializers.CharField(),
                "public_key_pem": serializers.CharField(),
                "fingerprint": serializers.CharField(),
                "latest": serializers.DictField(allow_null=True),
                "publications_failing": serializers.IntegerField(),
            },
        )
    )
    @action(detail=False, methods=["get"])
    def checkpoints(self, request):
        """The signing public key and the latest signed checkpoint (the document exactly as published)."""
        key = checkpoints.public_key_info()
        latest = checkpoints.checkpoint_latest()
        return Response(
            {
                "public_key": key["public_key"],
                "public_key_pem": key["pem"],
                "fingerprint": key["fingerprint"],
                "latest": json.loads(latest.document) if latest is not None else None,
                "publications_failing": checkpoints.publications_failing(),
            }
        )

    @extend_schema(
        request=inline_serializer("AuditCheckpointCheckInput", {"checkpoint": s.CheckpointDocumentField()}),
        responses=inline_serializer(
            "AuditCheckpointCheck", {"holds": serializers.BooleanField(), "message": serializers.CharField()}
        ),
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="checkpoints/check",
        permission_classes=[MayVerifyAudit],
    )
    def check_checkpoint(self, request):
        """Whether the chain still holds a checkpoint (pasted as JSON text or sent as an object): 200 with
        ``holds`` false when it does not or the checkpoint is refused (bad signature, untrusted key)."""
        value = request.data.get("checkpoint") if isinstance(request.data, dict) else None
        if isinstance(value, dict):
            value = json.dumps(value)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError({"checkpoint": ["Send the checkpoint document (JSON object or text)."]})
        outcome = checkpoints.checkpoint_check(value)
        return Response({"holds": outcome.ok, "message": outcome.message})


class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Promotion policies per risk tier (read-only here; administrators edit them in the admin)."""

    permission_classes = [RoleModelPermissions]
    serializer_class = s.PolicySerializer
    queryset = PromotionPolicy.objects.order_by("risk_tier")
    lookup_field = "risk_tier"


def parse_as_of(raw: str) -> datetime.datetime:
    """An ISO-8601 moment; a naive one is read in the server's time zone. Anything else is a 400."""
    try:
        at = parse_datetime(raw.strip()) if raw and raw.strip() else None
    except ValueError:  # well-formed but impossible, e.g. month 13
        at = None
    if at is None:
        raise ValidationError({"as_of": ["Give an ISO-8601 date-time, e.g. 2026-01-31T12:00:00Z."]})
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    return at


def _validated(serializer_class, data, partial: bool = False) -> dict:
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
