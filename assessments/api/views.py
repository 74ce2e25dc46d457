"""Assessments REST API (/api/v1/): frameworks (read), assessments (create, answer in bulk, submit, scores,
export as JSON or CSV). Thin: reads via selectors, writes via services (which check the team and audit)."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from assessments import selectors, services
from assessments.api import serializers as s
from assessments.filters import ASSESSMENT_ORDERING, AssessmentFilter
from assessments.models import Assessment, Framework, Measurement
from mlops_gov.api.permissions import ReadOnlyRolePermissions, RoleModelPermissions, ViewerMayCall
from mlops_gov.csv_export import iter_csv
from registry.models import ModelVersion, RegisteredModel


class FrameworkViewSet(viewsets.ReadOnlyModelViewSet):
    """Maturity frameworks: the current version of each (``?all=true`` for every version)."""

    permission_classes = [ReadOnlyRolePermissions]
    queryset = Framework.objects.all()
    serializer_class = s.FrameworkOutSerializer
    lookup_field = "slug"
    ordering = ["slug", "-version"]

    def get_queryset(self):
        everything = self.request.query_params.get("all", "").lower() in ("1", "true", "yes")
        return selectors.framework_list(current_only=not everything)

    @extend_schema(
        parameters=[OpenApiParameter("version", OpenApiTypes.INT, required=False)],
        responses=s.FrameworkDetailSerializer,
    )
    def retrieve(self, request, slug: str):
        raw = request.query_params.get("version")
        if raw is not None and not raw.isdigit():
            raise ValidationError({"version": ["Give the framework version as a positive integer."]})
        framework = selectors.framework_get(slug=slug, version=int(raw) if raw else None)
        if framework is None:
            return Response({"detail": f"No framework '{slug}'" + (f" v{raw}." if raw else ".")}, status=404)
        return Response(s.FrameworkDetailSerializer(framework).data)


class AssessmentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Assessments of registered models. The model's team creates, answers and submits; every role reads."""

    permission_classes = [RoleModelPermissions]
    queryset = Assessment.objects.all()
    serializer_class = s.AssessmentOutSerializer
    ordering = ["-created_at", "-id"]
    filterset_class = AssessmentFilter  # the page's filters too (selectors.assessment_filter)
    ordering_fields = list(ASSESSMENT_ORDERING)
    lookup_value_regex = r"\d+"

    def get_permissions(self):
        if self.action in ("answers", "submit"):
            return [ViewerMayCall()]  # the service checks team membership and the author role, and audits
        return super().get_permissions()

    def get_queryset(self):
        return selectors.assessment_list()

    def _get(self, pk) -> Assessment:
        assessment = selectors.assessment_detail(int(pk))
        if assessment is None:
            raise NotFound(f"No assessment #{pk}.")
        return assessment

    @extend_schema(request=s.AssessmentInSerializer, responses={201: s.AssessmentDetailSerializer})
    def create(self, request):
        data = _validated(s.AssessmentInSerializer, request.data)
        model = get_object_or_404(RegisteredModel, name=data["model"])
        version = None
        if data.get("model_version"):
            version = get_object_or_404(ModelVersion, model=model, version=data["model_version"])
        assessment = services.assessment_create(
            model=model,
            actor=request.user,
            framework_slug=data["framework"],
            model_version=version,
            notes=data.get("notes", ""),
        )
        return Response(s.AssessmentDetailSerializer(self._get(assessment.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.AssessmentDetailSerializer)
    def retrieve(self, request, pk):
        return Response(s.AssessmentDetailSerializer(self._get(pk)).data)

    @extend_schema(request=s.AnswersInSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"])
    def answers(self, request, pk):
        """Record answers in bulk (all or none): ``{"answers": [{"question", "value" | "not_applicable" +
        "justification", "evidence_url", "evidence_note", "clear"}]}``."""
        body = request.data
        items = body if isinstance(body, list) else body.get("answers") if hasattr(body, "get") else None
        if items is None:
            raise ValidationError({"answers": ['Send {"answers": [...]} with one object per answer.']})
        summary = services.answers_save(assessment=self._get(pk), actor=request.user, answers=items)
        return Response(summary)

    @extend_schema(request=None, responses=s.AssessmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk):
        """Freeze the assessment and store its scores; refused (400) with the unanswered required questions."""
        assessment = services.assessment_submit(assessment=self._get(pk), actor=request.user)
        return Response(s.AssessmentDetailSerializer(self._get(assessment.pk)).data)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def scores(self, request, pk):
        """The stored result of a submitted assessment, or a live preview of a draft (``"preview": true``)."""
        assessment = self._get(pk)
        if assessment.is_submitted:
            return Response(
                {"preview": False, "score": assessment.score, "label": assessment.label, "result": assessment.result}
            )
        result = services.compute_result(assessment)
        return Response(
            {
                "preview": True,
                "score": result["overall"]["normalised"],
                "label": result["label"],
                "result": result,
                "unanswered_required": services.missing_required(assessment),
            }
        )

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"], url_path="export-json")
    def export_json(self, request, pk):
        assessment = self._get(pk)
        response = Response(selectors.export_document(assessment))
        response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.pk}.json"'
        return response

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"], url_path="export-csv")
    def export_csv(self, request, pk):
        return csv_response(self._get(pk))


def csv_response(assessment: Assessment) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        iter_csv(selectors.EXPORT_CSV_HEADER, selectors.export_rows(assessment)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.pk}.csv"'
    return response


def _validated(serializer_class, data, **kwargs):
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class MeasurementViewSet(viewsets.ReadOnlyModelViewSet):
    """Measured maturity (evidence rules alone, taken daily): ``?model=<name>`` for one model's history,
    ``?portfolio=true`` for the portfolio's. Each measurement's observations name the rule, its version, the
    evidence ids and links."""

    permission_classes = [ReadOnlyRolePermissions]
    queryset = Measurement.objects.all()
    serializer_class = s.MeasurementOutSerializer
    ordering = ["-measured_at", "-id"]
    lookup_value_regex = r"\d+"

    @extend_schema(
        parameters=[
            OpenApiParameter("model", OpenApiTypes.STR, required=False),
            OpenApiParameter("portfolio", OpenApiTypes.BOOL, required=False),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        params = self.request.query_params
        if self.action != "list":
            return selectors.measurements().prefetch_related("observations")
        portfolio = params.get("portfolio", "").lower()
        if portfolio not in ("", "1", "0", "true", "false", "yes", "no"):
            raise ValidationError({"portfolio": ["Give true or false."]})
        model = None
        if params.get("model"):
            model = RegisteredModel.objects.filter(name=params["model"]).first()
            if model is None:
                raise NotFound(f"No model named '{params['model'][:200]}'.")
        return selectors.measurements(model=model, portfolio=portfolio in ("1", "true", "yes"))

    def get_serializer_class(self):
        return s.MeasurementDetailSerializer if self.action == "retrieve" else s.MeasurementOutSerializer
