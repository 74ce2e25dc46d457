"""Registry pages: thin views over selectors (reads) and services (writes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mlops_gov.access import permission_required
from mlops_gov.csv_export import iter_csv
from mlops_gov.errors import DomainError
from registry import permissions, selectors, services
from registry.audit import audit_head, audit_record, audit_verify
from registry.choices import RequestStatus
from registry.forms import AsOfForm, AuditFilterForm, DecisionForm, ModelFilterForm, PromotionRequestForm
from registry.models import ModelVersion, PromotionRequest, RegisteredModel

AUDIT_CSV_HEADER = (
    "sequence",
    "occurred_at",
    "actor",
    "request_id",
    "channel",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "model",
    "before",
    "after",
    "prev_hash",
    "hash",
)


@login_required
@permission_required("registry.view_registeredmodel", raise_exception=True)
def model_list(request):
    form = ModelFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.model_list(
        search=filters.get("q", ""), stage=filters.get("stage", ""), risk_tier=filters.get("risk_tier", "")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "registry/model_list.html", {"form": form, "page": page})


@login_required
@permission_required("registry.view_registeredmodel", raise_exception=True)
def model_detail(request, name: str):
    model = get_object_or_404(RegisteredModel.objects.select_related("owner", "team"), name=name)
    as_of_form = AsOfForm(request.GET or None)
    as_of = None
    if as_of_form.is_valid() and as_of_form.cleaned_data.get("as_of"):
        as_of = selectors.state_as_of(model, as_of_form.cleaned_data["as_of"])
    context = {
        "model": model,
        "versions": selectors.version_list(model=model),
        "aliases": selectors.alias_list(model=model),
        "requests": selectors.request_list().filter(version__model=model)[:50],
        "events": selectors.model_audit(model)[:100],
        "can_edit": permissions.can_edit_model(request.user, model),
        "as_of_form": as_of_form,
        "as_of": as_of,
        "request_form": PromotionRequestForm(),
    }
    return render(request, "registry/model_detail.html", context)


@login_required
@require_POST
def request_create(request, name: str, version: int):
    model_version = get_object_or_404(ModelVersion.objects.select_related("model"), model__name=name, version=version)
    form = PromotionRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a justification for the promotion.")
        return redirect("registry:model-detail", name=name)
    try:
        promotion, created = services.promotion_request_create(
            version=model_version, actor=request.user, justification=form.cleaned_data["justification"]
        )
    except (DomainError, ValidationError) as exc:
        messages.error(request, _message(exc))
        return redirect("registry:model-detail", name=name)
    if not created:
        messages.info(request, f"Request #{promotion.pk} is already open for this version.")
    return redirect("registry:request-detail", pk=promotion.pk)


@login_required
@permission_required("registry.view_promotionrequest", raise_exception=True)
def request_list(request):
    if request.GET.get("awaiting") == "1":
        qs = selectors.requests_awaiting(request.user)
    else:
        status = request.GET.get("status", "")
        qs = selectors.request_list(status=status if status in RequestStatus.values else "")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "registry/request_list.html", {"page": page, "statuses": RequestStatus.choices})


@login_required
@permission_required("registry.view_promotionrequest", raise_exception=True)
def request_detail(request, pk: int):
    promotion = get_object_or_404(selectors.request_list(), pk=pk)
    user = request.user
    can_decide = (
        promotion.status == RequestStatus.OPEN
        and permissions.can_decide(user)
        and promotion.requested_by_id != user.pk
        and not any(d.approver_id == user.pk for d in promotion.decisions.all())
    )
    context = {
        "promotion": promotion,
        "form": DecisionForm(),
        "can_decide": can_decide,
        "is_requester": promotion.requested_by_id == user.pk,
        "approvals": sum(1 for d in promotion.decisions.all() if d.decision == "approve"),
    }
    return render(request, "registry/request_detail.html", context)


@login_required
@require_POST
def request_decide(request, pk: int):
    promotion = get_object_or_404(PromotionRequest, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect("registry:request-detail", pk=pk)
    try:
        services.promotion_decide(
            request=promotion,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your decision was recorded.")
    return redirect("registry:request-detail", pk=pk)


@login_required
@require_POST
def request_withdraw(request, pk: int):
    promotion = get_object_or_404(PromotionRequest, pk=pk)
    try:
        services.promotion_withdraw(request=promotion, actor=request.user, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("registry:request-detail", pk=pk)


@login_required
@permission_required("registry.view_auditevent", raise_exception=True)
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.audit_list()
    if filters.get("model"):
        qs = qs.filter(model_name=filters["model"])
    if filters.get("actor"):
        qs = qs.filter(actor_name=filters["actor"])
    if filters.get("action"):
        qs = qs.filter(action__startswith=filters["action"])
    if filters.get("since"):
        qs = qs.filter(occurred_at__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(occurred_at__lte=filters["until"])
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "registry/audit_list.html", {"page": page, "head": audit_head(), "form": form})


@login_required
@permission_required("registry.verify_audit", raise_exception=True)
def audit_verify_page(request):
    result = audit_verify()
    return render(request, "registry/audit_verify.html", {"result": result, "checked_at": timezone.now()})


@login_required
@permission_required("registry.export_audit", raise_exception=True)
def audit_export(request):
    audit_record(action="audit.exported", object_type="audit", object_repr="CSV export")
    rows = (
        (
            e.sequence,
            e.occurred_at.isoformat(),
            e.actor_name,
            e.request_id,
            e.channel,
            e.action,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.model_name,
            e.before,
            e.after,
            e.prev_hash,
            e.hash,
        )
        for e in selectors.audit_list().order_by("sequence").iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(iter_csv(AUDIT_CSV_HEADER, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    return response


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)
