"""Registry admin: every save goes through the services (audited, same rules as the API); approvals are admin
actions with a confirmation page and comment; the audit trail is read-only."""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mlops_gov.errors import DomainError
from registry import permissions, selectors, services
from registry.audit_display import current_user, shown_payload
from registry.choices import Decision
from registry.models import (
    AuditEvent,
    ModelAlias,
    ModelCard,
    ModelVersion,
    PromotionPolicy,
    PromotionRequest,
    RegisteredModel,
    Team,
)


class ServiceBackedAdmin(admin.ModelAdmin):
    """Route admin writes through services so they are validated and audited like every other path."""

    def _report(self, request, exc: Exception) -> None:
        text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        self.message_user(request, text, level=messages.ERROR)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # A service refusal (permission, conflict, validation) rolls the whole save back and is shown as a message,
        # never a 500.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (DomainError, ValidationError) as exc:
            self._report(request, exc)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (DomainError, ValidationError) as exc:
            self._report(request, exc)
            return HttpResponseRedirect(request.get_full_path())

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk deletes would bypass the services
        return actions


@admin.register(Team)
class TeamAdmin(ServiceBackedAdmin):
    """Team membership grants edit rights on the team's models: only administrators change it, through the audited
    team services (a member of staff with a role sees the teams, read-only)."""

    list_display = ["name"]
    filter_horizontal = ["members"]
    search_fields = ["name"]

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def save_model(self, request, obj, form, change):
        members = form.cleaned_data.get("members", [])
        if change:
            services.team_update(team=obj, actor=request.user, name=form.cleaned_data["name"], members=members)
        else:
            obj.pk = services.team_create(name=form.cleaned_data["name"], members=members, actor=request.user).pk

    def save_related(self, request, form, formsets, change):
        pass  # the members were set by the service in save_model

    def delete_model(self, request, obj):
        services.team_delete(team=obj, actor=request.user)


@admin.register(RegisteredModel)
class RegisteredModelAdmin(ServiceBackedAdmin):
    list_display = ["name", "risk_tier", "owner", "team", "created_at"]
    list_filter = ["risk_tier", "team"]
    search_fields = ["name", "description"]
    fields = ["name", "description", "owner", "team", "risk_tier", "business_goal", "success_kpi", "tags"]

    def get_readonly_fields(self, request, obj=None):
        return ["name"] if obj else []

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit_model(request.user, obj))

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.changed_data if f in services.MODEL_EDITABLE}
        if change:
            services.model_update(model=obj, actor=request.user, **data)
        else:
            data.pop("owner", None)
            created = services.model_create(
                actor=request.user, name=form.cleaned_data["name"], owner=form.cleaned_data.get("owner"), **data
            )
            obj.pk = created.pk

    def delete_model(self, request, obj):
        services.model_delete(model=obj, actor=request.user)


class ModelCardInline(admin.StackedInline):
    model = ModelCard
    can_delete = False
    extra = 0

    def has_change_permission(self, request, obj=None):
        return False  # cards are edited through the pages/API (audited), shown here for review


@admin.register(ModelVersion)
class ModelVersionAdmin(ServiceBackedAdmin):
    list_display = ["__str__", "stage", "framework", "created_by", "created_at"]
    list_filter = ["stage", "framework", "model__risk_tier"]
    search_fields = ["model__name", "run_id", "description"]
    list_select_related = ["model", "created_by"]
    inlines = [ModelCardInline]
    readonly_fields = ["model", "version", "stage", "stage_changed_at", "source_uri", "created_by", "created_at"]
    fields = [*readonly_fields, *services.VERSION_EDITABLE]

    def has_add_permission(self, request):
        return False  # versions are registered through the API, the pages or the MLflow client

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit_model(request.user, obj.model))

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.changed_data if f in services.VERSION_EDITABLE}
        services.version_update(version=obj, actor=request.user, **data)

    def delete_model(self, request, obj):
        services.version_delete(version=obj, actor=request.user)


@admin.register(ModelAlias)
class ModelAliasAdmin(admin.ModelAdmin):
    list_display = ["model", "alias", "version", "updated_at"]
    list_select_related = ["model", "version"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PromotionPolicy)
class PromotionPolicyAdmin(ServiceBackedAdmin):
    list_display = ["risk_tier", "approvals_required", "min_maturity_score", "max_drift_check_age_days"]

    def get_readonly_fields(self, request, obj=None):
        return ["risk_tier"] if obj else []

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.changed_data}
        if not change:
            created = services.policy_create(actor=request.user, **{**data, "risk_tier": obj.risk_tier})
            obj.pk = created.pk
            return
        original = PromotionPolicy.objects.get(pk=obj.pk)
        services.policy_update(policy=original, actor=request.user, **data)

    def has_delete_permission(self, request, obj=None):
        return False


class AwaitingMeFilter(admin.SimpleListFilter):
    title = "awaiting"
    parameter_name = "awaiting"

    def lookups(self, request, model_admin):
        return [("me", "Awaiting my decision")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(pk__in=selectors.requests_awaiting(request.user).values("pk"))
        return queryset


@admin.register(PromotionRequest)
class PromotionRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "version", "target_label", "status", "requested_by", "approvals", "gates", "created_at"]
    list_filter = [AwaitingMeFilter, "status", "kind"]
    list_select_related = ["version__model", "requested_by"]
    search_fields = ["version__model__name", "justification"]
    actions = ["approve_selected", "reject_selected"]
    readonly_fields = [
        "version",
        "kind",
        "alias",
        "requested_by",
        "justification",
        "status",
        "approvals_required",
        "gate_table",
        "gates_passed",
        "gates_evaluated_at",
        "decision_table",
        "created_at",
        "closed_at",
        "closing_note",
    ]
    exclude = ["gate_results"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_approvals=Count("decisions", filter=Q(decisions__decision=Decision.APPROVE)))
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("approvals"))
    def approvals(self, obj):
        return f"{obj.n_approvals} / {obj.approvals_required}"

    @admin.display(description=gettext_lazy("gates"), boolean=True)
    def gates(self, obj):
        return obj.gates_passed

    @admin.display(description=gettext_lazy("gate results"))
    def gate_table(self, obj):
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((g["name"], "passed" if g["passed"] else "FAILED", g["detail"]) for g in obj.gate_results),
        )
        return format_html("<table><tr><th>gate</th><th>result</th><th>detail</th></tr>{}</table>", rows)

    @admin.display(description=gettext_lazy("decisions"))
    def decision_table(self, obj):
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((d.approver, d.decision, d.comment, d.created_at) for d in obj.decisions.select_related("approver")),
        )
        return format_html("<table>{}</table>", rows) if rows else "none yet"

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("registry.decide_promotionrequest"):
            actions.pop("approve_selected", None)
            actions.pop("reject_selected", None)
        return actions

    @admin.action(description=gettext_lazy("Approve selected requests…"))
    def approve_selected(self, request, queryset):
        return self._decide(request, queryset, Decision.APPROVE)

    @admin.action(description=gettext_lazy("Reject selected requests…"))
    def reject_selected(self, request, queryset):
        return self._decide(request, queryset, Decision.REJECT)

    def _decide(self, request, queryset, decision: str):
        """Confirmation page with a comment; each request then goes through the same service as the API."""
        queryset = queryset.select_related("version__model", "requested_by")
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/registry/confirm_decision.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Approve promotion requests")
                    if decision == Decision.APPROVE
                    else _("Reject promotion requests"),
                    "decision": decision,
                    "requests": queryset,
                    "opts": self.model._meta,
                    "action": f"{decision}_selected",
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                },
            )
        comment = request.POST.get("comment", "")
        done, refused = 0, []
        for promotion in queryset:
            try:
                services.promotion_decide(request=promotion, actor=request.user, decision=decision, comment=comment)
                done += 1
            except DomainError as exc:
                refused.append(f"#{promotion.pk}: {exc}")
        if done:
            text = (
                _("Approved %(n)d request(s).") if decision == Decision.APPROVE else _("Rejected %(n)d request(s).")
            ) % {"n": done}
            self.message_user(request, text, level=messages.SUCCESS)
        for line in refused:
            self.message_user(request, _("Refused %(line)s") % {"line": line}, level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["sequence", "occurred_at", "actor_name", "channel", "action", "object_repr", "model_name"]
    list_filter = ["action", "channel"]
    search_fields = ["object_repr", "model_name", "actor_name", "request_id"]
    ordering = ["-sequence"]
    # The stored payload (canonical) is not shown: before/after are shown as the reader may see them.
    fields = readonly_fields = (
        "sequence",
        "occurred_at",
        "actor_name",
        "request_id",
        "channel",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "model_name",
        "before_shown",
        "after_shown",
        "prev_hash",
        "hash",
    )

    @admin.display(description=gettext_lazy("before"))
    def before_shown(self, obj):
        return json.dumps(shown_payload(obj.object_type, obj.before, current_user()), sort_keys=True)

    @admin.display(description=gettext_lazy("after"))
    def after_shown(self, obj):
        return json.dumps(shown_payload(obj.object_type, obj.after, current_user()), sort_keys=True)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
