"""Registry pages: thin views over selectors (reads) and services (writes)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mlops_gov.access import permission_required
from mlops_gov.actors import AuthenticatedHttpRequest, Viewer
from mlops_gov.csv_export import iter_csv
from mlops_gov.errors import DomainError, PermissionError_
from registry import permissions, selectors, services
from registry.audit import audit_head, audit_verify, checkpoints
from registry.audit_display import shown_payload
from registry.choices import RequestKind, RequestStatus, Stage
from registry.domain import lifecycle
from registry.forms import (
    AliasForm,
    AliasRequestForm,
    AsOfForm,
    CardForm,
    DecisionForm,
    ModelForm,
    PromotionRequestForm,
    VersionForm,
)
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
    ordering = request.GET.get("ordering", "")
    filterset = selectors.model_filter(request.GET, ordering=ordering)
    page = Paginator(_filtered(filterset), 50).get_page(request.GET.get("page"))
    return render(request, "registry/model_list.html", {"filterset": filterset, "page": page})


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
        "protected_aliases": _protected(model),
    }
    return render(request, "registry/model_detail.html", context)


@login_required
@permission_required("registry.view_promotionrequest", raise_exception=True)
def request_list(request):
    filterset = selectors.request_filter(request.GET, request=request, ordering=request.GET.get("ordering", ""))
    page = Paginator(_filtered(filterset), 50).get_page(request.GET.get("page"))
    return render(request, "registry/request_list.html", {"filterset": filterset, "page": page})


@login_required
@permission_required("registry.view_promotionrequest", raise_exception=True)
def request_detail(request, pk: int):
    promotion = get_object_or_404(selectors.request_list(), pk=pk)
    return render(request, "registry/request_detail.html", _request_context(request, promotion))


def _request_context(request, promotion: PromotionRequest, form: DecisionForm | None = None) -> dict[str, Any]:
    user = request.user
    can_decide = (
        promotion.status == RequestStatus.OPEN
        and permissions.can_decide(user)
        and promotion.requested_by_id != user.pk
        and not any(
            d.approver_id == user.pk and d.evidence_hash == promotion.evidence_hash for d in promotion.decisions.all()
        )
    )
    evidence = selectors.request_evidence(promotion)
    return {
        "promotion": promotion,
        "form": form or DecisionForm(),
        "can_decide": can_decide,
        "is_requester": promotion.requested_by_id == user.pk,
        "can_recheck": promotion.status == RequestStatus.OPEN
        and (permissions.can_edit_model(user, promotion.version.model) or permissions.can_decide(user)),
        "approvals": evidence["approvals"][0],
        "approvals_needed": evidence["approvals"][1],
        "voided": selectors.voided_approvals(promotion),
        "evidence": evidence,
    }


@login_required
def approvals_inbox(request: HttpRequest) -> HttpResponse:
    """The signed-in approver's inbox: requests they may decide (never their own), oldest first."""
    if not permissions.can_decide(request.user):
        raise PermissionDenied(_("Only approvers have an approvals inbox."))
    rows = [
        {"request": r, "gates": selectors.gate_summary(r), "age": timezone.now() - r.created_at}
        for r in selectors.approvals_inbox(request.user)[:200]
    ]
    return render(request, "registry/approvals.html", {"rows": rows})


@login_required
@require_POST
def request_decide(request, pk: int):
    promotion = get_object_or_404(PromotionRequest, pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.promotion_decide(
                request=promotion,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                evidence_hash=form.cleaned_data["evidence_hash"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            promotion.refresh_from_db()
            messages.success(request, _decision_message(promotion, request.user))
            return redirect("registry:request-detail", pk=pk)
    # Refused: the page again, with the comment as typed and the reason beside the form.
    reasons = [*form.non_field_errors()] + ([_("choose approve or reject.")] if "decision" in form.errors else [])
    messages.error(
        request, _("Your decision was not recorded: %(reasons)s") % {"reasons": " ".join(reasons) or _("see the form.")}
    )
    shown = get_object_or_404(selectors.request_list(), pk=pk)
    return render(request, "registry/request_detail.html", _request_context(request, shown, form), status=400)


def _applied_message(promotion: PromotionRequest) -> str:
    summary = selectors.applied_summary(promotion)
    names = {"version": summary["version"], "model": summary["model"], "target": _target_label(summary["target"])}
    if summary["archived"]:
        names["archived"] = ", ".join(f"v{n}" for n in summary["archived"])
        return _("v%(version)s of %(model)s is now %(target)s; %(archived)s archived.") % names
    return _("v%(version)s of %(model)s is now %(target)s.") % names


def _target_label(target: str) -> str:
    """A request's target for a reader: production, or a protected alias (PromotionRequest.target_label stays the
    English that audit payloads and e-mails carry)."""
    if target == "production":
        return _("production")
    if target.startswith("alias '"):
        return _("alias '%(alias)s'") % {"alias": target.removeprefix("alias '").removesuffix("'")}
    return target


def _decision_message(promotion: PromotionRequest, user: Viewer) -> str:
    if promotion.status == RequestStatus.APPLIED:
        return _applied_message(promotion)
    if promotion.status == RequestStatus.REJECTED:
        return _("You rejected request #%(pk)s; it is closed and the requester is told.") % {"pk": promotion.pk}
    approvals, needed = selectors.approval_progress(promotion)
    if approvals < needed:
        return _(
            "Your approval is recorded: %(approvals)s of %(needed)s; request #%(pk)s waits for more approvers."
        ) % {
            "approvals": approvals,
            "needed": needed,
            "pk": promotion.pk,
        }
    return _(
        "Your approval is recorded (%(approvals)s of %(needed)s), but it was not applied: a gate fails now "
        "(see the gates below). It applies once the evidence is fixed and the request is re-checked."
    ) % {"approvals": approvals, "needed": needed}


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
    filterset = selectors.audit_filter(request.GET, ordering=request.GET.get("ordering", ""))
    page = Paginator(_filtered(filterset), 100).get_page(request.GET.get("page"))
    export_query = request.GET.copy()
    export_query.pop("page", None)
    context = {"page": page, "head": audit_head(), "filterset": filterset, "export_query": export_query.urlencode()}
    return render(request, "registry/audit_list.html", context)


@login_required
@permission_required("registry.verify_audit", raise_exception=True)
def audit_verify_page(request):
    """Verify the chain; with a pasted checkpoint (POST), say whether the chain still holds it."""
    pasted = request.POST.get("checkpoint", "") if request.method == "POST" else ""
    anchored = checkpoints.checkpoint_check(pasted) if pasted.strip() else None
    if request.method == "POST" and anchored is None:
        messages.error(request, _("Paste a checkpoint (the JSON document from a report, an e-mail or the directory)."))
    result = anchored.result if anchored is not None and anchored.result is not None else audit_verify()
    context = {
        "result": result,
        "checked_at": timezone.now(),
        "anchored": anchored,
        "pasted": pasted,
        "signing_key": checkpoints.public_key_info(),
        "latest_checkpoint": checkpoints.checkpoint_latest(),
        "publications_failing": checkpoints.publications_failing(),
    }
    return render(request, "registry/audit_verify.html", context)


@login_required
@permission_required("registry.export_audit", raise_exception=True)
def audit_export(request):
    """The events the audit page lists for the same filters, oldest first (every event when there is no filter)."""
    filterset = selectors.audit_filter(request.GET)
    if not filterset.is_valid():
        messages.error(request, _("Nothing exported: %(errors)s") % {"errors": _filter_errors(filterset)})
        return redirect(f"{reverse('registry:audit-list')}?{request.GET.urlencode()}")
    # A read, not a state change: it writes no audit event (the request log keeps its request id).
    user = request.user
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
            shown_payload(e.object_type, e.before, user),
            shown_payload(e.object_type, e.after, user),
            e.prev_hash,
            e.hash,
        )
        for e in filterset.qs.order_by("sequence").iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(iter_csv(AUDIT_CSV_HEADER, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    return response


def _filtered(filterset):
    """The filtered rows, or none while a filter value is invalid (its error is shown beside the field)."""
    return filterset.qs if filterset.is_valid() else filterset.queryset.none()


def _filter_errors(filterset) -> str:
    return "; ".join(
        f"{filterset.form.fields[name].label or name}: {' '.join(errors)}"
        if name in filterset.form.fields
        else " ".join(errors)
        for name, errors in filterset.form.errors.items()
    )


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


# --- authoring: every write goes through the registry service the API uses ----------------------------------------


def _form_error(form: forms.BaseForm, exc: Exception, field: str | None = None) -> None:
    """Put a service's refusal on the form: a field's own message next to it, anything else above the form."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
        return
    form.add_error(field if field in form.fields else None, _message(exc))


def _protected(model: RegisteredModel) -> list[str]:
    policy = selectors.policy_of(model)
    return list((policy.protected_aliases if policy else []) or [])


def _editable_model(request: HttpRequest, name: str) -> RegisteredModel:
    model = get_object_or_404(RegisteredModel.objects.select_related("owner", "team"), name=name)
    if not permissions.can_edit_model(request.user, model):
        raise PermissionDenied(_("Only the model's owner or team may change it."))
    return model


def _version(name: str, number: int) -> ModelVersion:
    version = selectors.version_get(model_name=name, number=number)
    if version is None:
        raise Http404(_("No such version."))
    return version


def _editable_version(request: HttpRequest, name: str, number: int) -> ModelVersion:
    version = _version(name, number)
    if not permissions.can_edit_model(request.user, version.model):
        raise PermissionDenied(_("Only the model's owner or team may change its versions."))
    return version


@login_required
def model_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not permissions.can_create_models(request.user):
        raise PermissionDenied(_("Your role cannot register models."))
    form = ModelForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            model = services.model_create(actor=request.user, **data)
        except (DomainError, ValidationError) as exc:
            _form_error(form, exc, field="name")
        else:
            messages.success(request, _("Registered %(name)s. Next: add its first version.") % {"name": model.name})
            return redirect("registry:version-create", name=model.name)
    status = 400 if request.method == "POST" else 200
    return render(request, "registry/model_form.html", {"form": form, "model": None}, status=status)


@login_required
def model_edit(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    model = _editable_model(request, name)
    form = ModelForm(request.POST or None, user=request.user, editing=True, initial=ModelForm.initial_for(model))
    if request.method == "POST" and form.is_valid():
        changes = {key: value for key, value in form.cleaned_data.items() if key in form.changed_data}
        if "team" in changes and changes["team"] is None:
            del changes["team"]
        try:
            if changes:
                services.model_update(model=model, actor=request.user, **changes)
        except (DomainError, ValidationError) as exc:
            _form_error(form, exc, field="risk_tier" if "risk tier" in str(exc) else None)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": model.name} if changes else _("Nothing changed."))
            return redirect("registry:model-detail", name=model.name)
    status = 400 if request.method == "POST" else 200
    return render(request, "registry/model_form.html", {"form": form, "model": model}, status=status)


@login_required
def model_delete(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    model = _editable_model(request, name)
    return _confirm_delete(
        request,
        title=_("Delete %(name)s?") % {"name": name},
        delete=lambda: services.model_delete(model=model, actor=request.user),
        done=(f"Deleted {name}.", reverse("registry:model-list")),
        cancel=model_url(model),
    )


def _confirm_delete(request: HttpRequest, *, title: str, delete, done: tuple[str, str], cancel: str) -> HttpResponse:
    """A confirmation page (GET) and the deletion through the service (POST); a refusal is shown with its reason."""
    error = ""
    if request.method == "POST":
        try:
            delete()
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(request, done[0])
            return redirect(done[1])
    context = {"title": title, "error": error, "cancel": cancel}
    return render(request, "registry/confirm_delete.html", context, status=409 if error else 200)


def model_url(model: RegisteredModel) -> str:
    return reverse("registry:model-detail", args=[model.name])


def version_url(version: ModelVersion) -> str:
    return reverse("registry:version-detail", args=[version.model.name, version.version])


@login_required
def version_create(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    model = _editable_model(request, name)
    form = VersionForm(request.POST or None, model=model)
    if request.method == "POST" and form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if value not in (None, "", {})}
        source_uri = data.pop("source_uri")
        try:
            version = services.version_create(model=model, actor=request.user, source_uri=source_uri, **data)
        except (DomainError, ValidationError) as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request,
                _("Added v%(version)s of %(name)s. Next: fill in its model card.")
                % {"version": version.version, "name": model.name},
            )
            return redirect("registry:card-edit", name=model.name, version=version.version)
    status = 400 if request.method == "POST" else 200
    return render(request, "registry/version_form.html", {"form": form, "model": model}, status=status)


@login_required
def version_edit(request: AuthenticatedHttpRequest, name: str, version: int) -> HttpResponse:
    model_version = _editable_version(request, name, version)
    form = VersionForm(
        request.POST or None, model=model_version.model, editing=True, initial=VersionForm.initial_for(model_version)
    )
    if request.method == "POST" and form.is_valid():
        changes = {key: value for key, value in form.cleaned_data.items() if key in form.changed_data}
        try:
            if changes:
                services.version_update(version=model_version, actor=request.user, **changes)
        except (DomainError, ValidationError) as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("Saved v%(version)s.") % {"version": version} if changes else _("Nothing changed.")
            )
            return redirect(version_url(model_version))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "model": model_version.model, "version": model_version}
    return render(request, "registry/version_form.html", context, status=status)


@login_required
def version_delete(request: AuthenticatedHttpRequest, name: str, version: int) -> HttpResponse:
    model_version = _editable_version(request, name, version)
    return _confirm_delete(
        request,
        title=_("Delete v%(version)s of %(name)s?") % {"version": version, "name": name},
        delete=lambda: services.version_delete(version=model_version, actor=request.user),
        done=(
            _("Deleted v%(version)s of %(name)s.") % {"version": version, "name": name},
            model_url(model_version.model),
        ),
        cancel=version_url(model_version),
    )


def _version_context(request: HttpRequest, version: ModelVersion, **forms_: Any) -> dict[str, Any]:
    model = version.model
    policy = selectors.policy_of(model)
    card = getattr(version, "card", None)
    completeness = selectors.card_completeness(card, policy)
    protected = list((policy.protected_aliases if policy else []) or [])
    moves = [
        target
        for target in lifecycle.ALLOWED_MOVES.get(version.stage, ())
        if not lifecycle.needs_promotion_request(target)
    ]
    context = {
        "model": model,
        "version": version,
        "card": card,
        "completeness": completeness,
        "card_filled": sum(1 for row in completeness if row["filled"]),
        "policy": policy,
        "can_edit": permissions.can_edit_model(request.user, model),
        "moves": [(target, _stage(target)) for target in moves],
        "open_requests": selectors.open_requests_for(version),
        "aliases": selectors.alias_list(model=model),
        "protected_aliases": protected,
        "request_form": PromotionRequestForm(),
        "alias_form": AliasForm(),
        "alias_request_form": AliasRequestForm(protected=protected) if protected else None,
    }
    context.update(forms_)
    return context


@login_required
@permission_required("registry.view_registeredmodel", raise_exception=True)
def version_detail(request: HttpRequest, name: str, version: int) -> HttpResponse:
    model_version = _version(name, version)
    return render(request, "registry/version_detail.html", _version_context(request, model_version))


@login_required
def card_edit(request: AuthenticatedHttpRequest, name: str, version: int) -> HttpResponse:
    model_version = _editable_version(request, name, version)
    card = getattr(model_version, "card", None)
    form = CardForm(request.POST or None, instance=card)
    if request.method == "POST" and form.is_valid():
        changes = {key: form.cleaned_data[key] for key in form.changed_data}
        try:
            if changes:
                services.card_update(version=model_version, actor=request.user, **changes)
        except (DomainError, ValidationError) as exc:
            _form_error(form, exc)
        else:
            messages.success(
                request, _("Saved the model card.") if changes else _("Nothing changed in the model card.")
            )
            return redirect(version_url(model_version))
    policy = selectors.policy_of(model_version.model)
    completeness = {row["name"]: row for row in selectors.card_completeness(card, policy)}
    fields = [(form[name], completeness[name]) for name in form.fields]
    context = {
        "form": form,
        "fields": fields,
        "model": model_version.model,
        "version": model_version,
        "card_filled": sum(1 for row in completeness.values() if row["filled"]),
        "card_total": len(completeness),
    }
    return render(request, "registry/card_form.html", context, status=400 if form.errors else 200)


STAGE_CONSEQUENCES: dict[str, str | Promise] = {
    Stage.STAGING: gettext_lazy("It becomes a candidate for production: you can then request production for it."),
    Stage.ARCHIVED: gettext_lazy(
        "It is retired: no alias or promotion should point at it. You can bring it back to staging later."
    ),
}


def _stage(stage: str) -> str:
    """A stage named in a sentence: its label, lower case (in English the stage's code, as before)."""
    return str(Stage(stage).label).lower()


@login_required
def stage_move(request: AuthenticatedHttpRequest, name: str, version: int) -> HttpResponse:
    """A confirmation page (GET ?to=stage) and the move itself (POST), for moves that need no approval."""
    model_version = _editable_version(request, name, version)
    target = (request.POST.get("target") if request.method == "POST" else request.GET.get("to")) or ""
    allowed = [t for t in lifecycle.ALLOWED_MOVES.get(model_version.stage, ()) if t != Stage.PRODUCTION]
    error = ""
    if target == Stage.PRODUCTION:
        error = _("A move to production needs an approved promotion request: request production on the version page.")
    elif target not in allowed:
        choices = ", ".join(_stage(a) for a in allowed) or _("nothing")
        error = _("v%(version)s is in %(stage)s; from there it can move to %(choices)s without approval.") % {
            "version": version,
            "stage": _stage(model_version.stage),
            "choices": choices,
        }
    elif request.method == "POST":
        try:
            services.version_transition(version=model_version, target=target, actor=request.user)
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("Moved v%(version)s of %(name)s from %(stage)s to %(target)s.")
                % {"version": version, "name": name, "stage": _stage(model_version.stage), "target": _stage(target)},
            )
            return redirect(version_url(model_version))
    if error and request.method == "POST":
        messages.error(request, error)
        return redirect(version_url(model_version))
    context = {
        "model": model_version.model,
        "version": model_version,
        "target": target,
        "error": error,
        "target_label": _stage(target) if target in Stage.values else target,
        "consequence": STAGE_CONSEQUENCES.get(target, ""),
        "is_production": model_version.stage == Stage.PRODUCTION,
    }
    return render(request, "registry/stage_confirm.html", context, status=400 if error else 200)


@login_required
@require_POST
def alias_set(request: AuthenticatedHttpRequest, name: str, version: int) -> HttpResponse:
    model_version = _editable_version(request, name, version)
    form = AliasForm(request.POST)
    if form.is_valid():
        alias = form.cleaned_data["alias"]
        if alias in _protected(model_version.model):
            form.add_error(
                "alias",
                _(
                    "'%(alias)s' is protected: it moves only through an approved request. Use 'Request a protected "
                    "alias' below."
                )
                % {"alias": alias},
            )
        else:
            try:
                services.alias_set(model=model_version.model, alias=alias, version=model_version, actor=request.user)
            except (DomainError, ValidationError) as exc:
                _form_error(form, exc, field="alias")
            else:
                messages.success(
                    request,
                    _("@%(alias)s now points to v%(version)s of %(name)s.")
                    % {"alias": alias, "version": version, "name": name},
                )
                return redirect(version_url(model_version))
    context = _version_context(request, model_version, alias_form=form)
    return render(request, "registry/version_detail.html", context, status=400)


@login_required
@require_POST
def alias_remove(request: AuthenticatedHttpRequest, name: str, alias: str) -> HttpResponse:
    model = _editable_model(request, name)
    try:
        services.alias_delete(model=model, alias=alias, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Removed @%(alias)s from %(name)s.") % {"alias": alias, "name": name})
    return redirect("registry:model-detail", name=name)


@login_required
def request_create(request: AuthenticatedHttpRequest, name: str, version: int) -> HttpResponse:
    """Request production: from staging, or (``stage_first``) move to staging and request in one step."""
    model_version = _version(name, version)
    form = PromotionRequestForm(request.POST or None)
    stage_first = model_version.stage in (Stage.NONE, Stage.ARCHIVED)
    if model_version.stage == Stage.PRODUCTION:
        messages.info(request, _("v%(version)s is already in production.") % {"version": version})
        return redirect(version_url(model_version))
    if request.method == "POST" and form.is_valid():
        try:
            promotion, created = services.promotion_request_stage_and_create(
                version=model_version, actor=request.user, justification=form.cleaned_data["justification"]
            )
        except PermissionError_ as exc:
            messages.error(request, str(exc))
            return redirect(version_url(model_version))
        except (DomainError, ValidationError) as exc:
            _form_error(form, exc, field="justification")
        else:
            if created:
                names = {"version": version, "pk": promotion.pk}
                if stage_first:
                    text = (
                        _(
                            "Moved v%(version)s to staging and requested production for v%(version)s: request #%(pk)s "
                            "awaits approvers."
                        )
                        % names
                    )
                else:
                    text = _("Requested production for v%(version)s: request #%(pk)s awaits approvers.") % names
                messages.success(request, text)
            else:
                messages.info(request, _("Request #%(pk)s is already open for this version.") % {"pk": promotion.pk})
            return redirect("registry:request-detail", pk=promotion.pk)
    context = _version_context(request, model_version, request_form=form)
    context["focus_request"] = True
    return render(request, "registry/version_detail.html", context, status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def alias_request(request: AuthenticatedHttpRequest, name: str, version: int) -> HttpResponse:
    model_version = _editable_version(request, name, version)
    form = AliasRequestForm(request.POST, protected=_protected(model_version.model))
    if form.is_valid():
        try:
            promotion, created = services.promotion_request_create(
                version=model_version,
                actor=request.user,
                justification=form.cleaned_data["justification"],
                kind=RequestKind.ALIAS,
                alias=form.cleaned_data["alias"],
            )
        except (DomainError, ValidationError) as exc:
            _form_error(form, exc, field="justification")
        else:
            names = {"alias": promotion.alias, "version": version, "pk": promotion.pk}
            if created:
                text = _("Requested @%(alias)s for v%(version)s: request #%(pk)s.") % names
            else:
                text = _("Already open: @%(alias)s for v%(version)s: request #%(pk)s.") % names
            messages.success(request, text)
            return redirect("registry:request-detail", pk=promotion.pk)
    context = _version_context(request, model_version, alias_request_form=form)
    return render(request, "registry/version_detail.html", context, status=400)


@login_required
@require_POST
def request_recheck(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    promotion = get_object_or_404(PromotionRequest, pk=pk)
    try:
        promotion = services.promotion_recheck(request=promotion, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        if promotion.status == RequestStatus.APPLIED:
            messages.success(request, _applied_message(promotion))
        else:
            if promotion.gates_passed:
                messages.info(request, _("Gates re-evaluated: all gates pass."))
            else:
                messages.info(request, _("Gates re-evaluated: some gates still fail."))
    return redirect("registry:request-detail", pk=pk)
