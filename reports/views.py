"""Report pages: thin views. Reports of a model are visible to auditors and the model's team; others get 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mlops_gov.errors import DomainError
from registry.models import ModelVersion, RegisteredModel
from reports import permissions, selectors, services
from reports.choices import ReportKind, ReportTrigger, ReportVariant
from reports.models import GovernanceReport


def _readable_model(request, name: str) -> RegisteredModel:
    model = get_object_or_404(RegisteredModel.objects.select_related("owner", "team"), name=name)
    if not permissions.can_read_model_reports(request.user, model):
        raise Http404(_("No such model report."))
    return model


def _version(request, model: RegisteredModel) -> ModelVersion:
    raw = request.GET.get("version", "")
    if raw and not raw.isdigit():
        raise Http404(_("Give the version as a number."))
    version = selectors.report_version(model=model, version=int(raw) if raw else None)
    if version is None:
        raise Http404(_("This model has no production version; choose a version (?version=N)."))
    return version


def _language(request) -> str | None:
    """The report language asked for (``language`` in the form or the query), else None: the reader's own."""
    raw = (request.POST.get("language") if request.method == "POST" else None) or request.GET.get("language")
    return raw or None


def _variant(request) -> str:
    variant = request.GET.get("variant", ReportVariant.PDF)
    return variant if variant in ReportVariant.values else ReportVariant.PDF


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def report_list(request):
    filterset = selectors.report_filter(request.GET, user=request.user, ordering=request.GET.get("ordering", ""))
    rows = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = {"page": page, "filterset": filterset, "can_portfolio": permissions.can_read_portfolio(request.user)}
    return render(request, "reports/report_list.html", context)


@login_required
def model_preview(request, name: str):
    """The report in the browser: the same template as the PDF."""
    model = _readable_model(request, name)
    rendered = services.model_report_render(
        version=_version(request, model),
        generated_by=request.user.get_username(),
        pdf=False,
        language=_language(request),
    )
    return HttpResponse(rendered.html)


@login_required
def model_pdf(request, name: str):
    """On-demand PDF (not stored; bounded like the stored ones)."""
    model = _readable_model(request, name)
    version = _version(request, model)
    rendered = services.model_report_render(
        version=version,
        generated_by=request.user.get_username(),
        variant=_variant(request),
        language=_language(request),
    )
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in model.name)[:80]
    filename = f"governance-report-{safe}-v{version.version}.pdf"
    services.report_export_record(rendered=rendered, version=version, variant=_variant(request), destination=filename)
    return _pdf_response(rendered.pdf, filename)


@login_required
@require_POST
def model_generate(request, name: str):
    model = _readable_model(request, name)
    raw = request.POST.get("version", "").strip()
    if raw and not raw.isdigit():
        raise Http404(_("Give the version as a number."))
    version = selectors.report_version(model=model, version=int(raw)) if raw else None
    if raw and version is None:  # never fall back to the production version for a number that does not exist
        raise Http404(_("'%(model)s' has no version %(version)s.") % {"model": model.name, "version": raw})
    try:
        report = services.report_request(
            actor=request.user,
            model=model,
            version=version,
            trigger=ReportTrigger.PAGE,
            variant=request.POST.get("variant") or ReportVariant.PDF_A,
            language=_language(request),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("registry:model-detail", name=name)
    messages.success(request, _("Report #%(pk)s is being generated.") % {"pk": report.pk})
    return redirect("reports:report-detail", pk=report.pk)


def _readable_report(request, pk: int) -> GovernanceReport:
    report = get_object_or_404(GovernanceReport.objects.select_related("model__team", "model__owner"), pk=pk)
    if not permissions.can_read_report(request.user, report):
        raise Http404(_("No such report."))
    return report


@login_required
def report_detail(request, pk: int):
    return render(request, "reports/report_detail.html", {"report": _readable_report(request, pk)})


@login_required
def report_download(request, pk: int):
    report = _readable_report(request, pk)
    if not report.file:
        raise Http404(_("This report has no file yet."))
    response = FileResponse(report.file.open("rb"), as_attachment=True, filename=report.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _portfolio_reader(request) -> None:
    if not permissions.can_read_portfolio(request.user):
        raise Http404(_("No such report."))


@login_required
def portfolio_preview(request):
    _portfolio_reader(request)
    rendered = services.portfolio_report_render(
        generated_by=request.user.get_username(), pdf=False, language=_language(request)
    )
    return HttpResponse(rendered.html)


@login_required
def portfolio_pdf(request):
    _portfolio_reader(request)
    rendered = services.portfolio_report_render(
        generated_by=request.user.get_username(), variant=_variant(request), language=_language(request)
    )
    services.report_export_record(
        rendered=rendered, version=None, variant=_variant(request), destination="portfolio-report.pdf"
    )
    return _pdf_response(rendered.pdf, "portfolio-report.pdf")


@login_required
@require_POST
def portfolio_generate(request):
    _portfolio_reader(request)
    try:
        report = services.report_request(
            actor=request.user, kind=ReportKind.PORTFOLIO, trigger=ReportTrigger.PAGE, language=_language(request)
        )
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("reports:report-list")
    messages.success(request, _("Report #%(pk)s is being generated.") % {"pk": report.pk})
    return redirect("reports:report-detail", pk=report.pk)
