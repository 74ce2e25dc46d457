"""Reports REST API: create a stored report (202 + job), poll it, download its PDF. Object-scoped: a report the
caller may not read is a 404."""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from mlops_gov.api.permissions import IsAuthenticatedUser, RoleModelPermissions
from mlops_gov.api.schema import DETAIL
from mlops_gov.errors import ConflictError, NotFoundError
from registry.models import RegisteredModel
from reports import permissions, selectors, services
from reports.api.serializers import ReportInSerializer, ReportOutSerializer
from reports.choices import ReportKind, ReportTrigger
from reports.filters import REPORT_ORDERING, GovernanceReportFilter
from reports.models import GovernanceReport


class ReportViewSet(viewsets.GenericViewSet):
    """Stored governance reports (PDF/A by default) and the portfolio report."""

    lookup_value_regex = r"\d+"  # a non-numeric id is a 404, not a ValueError
    permission_classes = [RoleModelPermissions]
    queryset = GovernanceReport.objects.all()  # for the permission class; reads are scoped in get_queryset
    serializer_class = ReportOutSerializer
    filterset_class = GovernanceReportFilter  # the reports page's filters too (selectors.report_filter)
    ordering_fields = list(REPORT_ORDERING)
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.report_list(user=self.request.user)

    def get_permissions(self):
        # Reading one report is scoped by the queryset (auditors and the model's team): anyone else, a user
        # without any role included, gets the same 404 as for a report that does not exist.
        if self.action in ("retrieve", "download"):
            return [IsAuthenticatedUser()]
        return super().get_permissions()

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ReportOutSerializer(page, many=True).data)

    def retrieve(self, request, pk: int):
        return Response(ReportOutSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(request=ReportInSerializer, responses={202: ReportOutSerializer})
    def create(self, request):
        serializer = ReportInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        model = version = None
        if data["kind"] == ReportKind.MODEL:
            model = RegisteredModel.objects.filter(name=data["model"]).select_related("owner", "team").first()
            if model is None or not permissions.can_read_model_reports(request.user, model):
                raise NotFoundError(f"No registered model named '{data['model']}'.")
            if "version" in data:
                version = selectors.report_version(model=model, version=data["version"])
                if version is None:
                    raise NotFoundError(f"'{model.name}' has no version {data['version']}.")
        elif not permissions.can_read_portfolio(request.user):
            raise NotFoundError("No such report.")
        report = services.report_request(
            actor=request.user,
            model=model,
            version=version,
            kind=data["kind"],
            variant=data["variant"],
            trigger=ReportTrigger.API,
            language=data.get("language"),
        )
        report.refresh_from_db()
        return Response(ReportOutSerializer(report).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            409: OpenApiResponse(DETAIL, description="The report is not generated yet (or failed): no PDF."),
        }
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk: int):
        report = get_object_or_404(self.get_queryset(), pk=pk)
        if not report.file:
            raise ConflictError(f"Report #{report.pk} is {report.status}; its PDF is not available yet.")
        response = FileResponse(report.file.open("rb"), as_attachment=True, filename=report.filename)
        response["X-Content-Type-Options"] = "nosniff"
        return response
