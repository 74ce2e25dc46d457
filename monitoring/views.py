"""Monitoring pages: thin views over selectors (reads) and services (writes)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mlops_gov.access import permission_required
from mlops_gov.errors import DomainError
from monitoring import permissions, selectors, services
from monitoring.forms import UploadForm
from monitoring.models import Dataset, DatasetKind, DriftCheck
from registry.models import ModelVersion

VIEW_PERM = "monitoring.view_driftcheck"
INLINE_REPORT_ROWS = 200_000  # above this (reference + current rows) Evidently's report is built by a worker


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def dashboard(request):
    rows = selectors.dashboard_rows()
    show = request.GET.get("show", "")
    if show in selectors.ATTENTION:
        rows = [row for row in rows if row[selectors.ATTENTION[show]]]
    context = {
        "rows": rows,
        "show": show if show in selectors.ATTENTION else "",
        "checks": selectors.check_list()[:20],
        "alerts": selectors.alert_list()[:20],
        "can_upload": request.user.has_perm("monitoring.add_dataset"),
    }
    return render(request, "monitoring/dashboard.html", context)


def _listing(request, filterset, template: str):
    """A filtered list page: the rows, or none while a filter value is invalid (its error is beside the field)."""
    rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, template, {"filterset": filterset, "page": page})


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def check_list(request):
    filterset = selectors.check_filter(request.GET, ordering=request.GET.get("ordering", ""))
    return _listing(request, filterset, "monitoring/check_list.html")


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def alert_list(request):
    filterset = selectors.alert_filter(request.GET, ordering=request.GET.get("ordering", ""))
    return _listing(request, filterset, "monitoring/alert_list.html")


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def dataset_list(request):
    filterset = selectors.dataset_filter(request.GET, ordering=request.GET.get("ordering", ""))
    return _listing(request, filterset, "monitoring/dataset_list.html")


@login_required
@permission_required("monitoring.add_dataset", raise_exception=True)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["uri"]:
        version = form.cleaned_data["version"]
        try:
            job = services.dataset_import_request(
                version=version,
                kind=form.cleaned_data["kind"],
                uri=form.cleaned_data["uri"],
                actor=request.user,
                roles=form.roles(),
            )
        except (DomainError, ValidationError) as exc:
            form.add_error("uri", _message(exc))
        else:
            messages.success(
                request,
                _(
                    "Registered %(uri)s: a worker is reading it now. It is listed under 'Dataset imports' below "
                    "until it is stored, or with the reason if it cannot be."
                )
                % {"uri": job.uri},
            )
            return redirect("monitoring:version-detail", name=version.model.name, version=version.version)
    elif request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        upload_file = form.cleaned_data["file"]
        limit = settings.MLOPS_GOV["UPLOAD_MAX_BYTES"]
        try:
            if upload_file.size > limit:
                raise DomainError(
                    _("The file is %(size)s bytes; the limit is %(limit)s bytes.")
                    % {"size": f"{upload_file.size:,}", "limit": f"{limit:,}"}
                )
            dataset = services.dataset_upload(
                version=version,
                kind=form.cleaned_data["kind"],
                data=upload_file.read(),
                filename=upload_file.name,
                actor=request.user,
                roles=form.roles(),
            )
        except (DomainError, ValidationError) as exc:
            form.add_error("file", _message(exc))
        else:
            messages.success(
                request,
                _("Uploaded %(name)s: %(rows)s rows, %(columns)s columns.")
                % {"name": dataset.name, "rows": f"{dataset.n_rows:,}", "columns": dataset.n_columns},
            )
            check = dataset.current_checks.order_by("-id").first()
            if check is not None:
                return redirect("monitoring:check-detail", pk=check.pk)
            return redirect("monitoring:version-detail", name=version.model.name, version=version.version)
    status = 400 if request.method == "POST" else 200
    return render(request, "monitoring/upload.html", {"form": form}, status=status)


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def version_detail(request, name: str, version: int):
    model_version = get_object_or_404(ModelVersion.objects.select_related("model"), model__name=name, version=version)
    context = {
        "version": model_version,
        "datasets": selectors.dataset_list(version=model_version)[:50],
        "imports": selectors.dataset_import_list().filter(version=model_version).exclude(status="succeeded")[:20],
        "checks": selectors.check_list(version=model_version)[:50],
        "config": selectors.config_for(model_version.model),
        "can_run": permissions.can_run_checks(request.user, model_version.model),
    }
    return render(request, "monitoring/version_detail.html", context)


@login_required
@require_POST
def check_create(request, pk: int):
    dataset = get_object_or_404(Dataset.objects.select_related("version__model"), pk=pk, kind=DatasetKind.CURRENT)
    try:
        check = services.check_create(version=dataset.version, current=dataset, actor=request.user)
    except (DomainError, ValidationError) as exc:
        messages.error(request, _message(exc))
        return redirect("monitoring:version-detail", name=dataset.version.model.name, version=dataset.version.version)
    return redirect("monitoring:check-detail", pk=check.pk)


def _check(pk: int) -> DriftCheck:
    return get_object_or_404(selectors.check_list(), pk=pk)


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def check_detail(request, pk: int):
    return render(request, "monitoring/check_detail.html", selectors.check_detail(_check(pk)))


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def check_status(request, pk: int):
    return JsonResponse(selectors.check_status(_check(pk)))


@login_required
@permission_required(VIEW_PERM, raise_exception=True)
def check_report(request, pk: int):
    check = _check(pk)
    large = check.reference.n_rows + check.current.n_rows > INLINE_REPORT_ROWS
    if large and not check.report_file and check.status == "succeeded":
        # Evidently needs a minute and gigabytes at a million rows: build it in a worker, this page refreshes.
        services.check_report_build_request(check)
        return render(request, "monitoring/report_pending.html", {"check": check}, status=202)
    if not check.report_file and check.status == "succeeded" and request.GET.get("build") != "1":
        # Evidently takes seconds to build it: answer at once with a page that says so and asks for the build.
        return render(request, "monitoring/report_building.html", {"check": check}, status=202)
    try:
        html = services.check_report_html(check)
    except DomainError as exc:
        messages.error(request, _message(exc))
        return redirect("monitoring:check-detail", pk=pk)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    # Evidently's report runs its own scripts over uploaded values: sandbox it in an opaque origin (no cookies,
    # no same-origin access to the application).
    response["Content-Security-Policy"] = "sandbox allow-scripts"
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response
