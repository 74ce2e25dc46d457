"""Reports admin: stored reports are read-only evidence with a download link; new ones are requested through the
service (an "add" form that only names the version, and an action that stores a fresh report of the same version)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from mlops_gov.errors import DomainError
from registry.models import ModelVersion
from reports import selectors, services
from reports.choices import ReportKind, ReportTrigger, ReportVariant
from reports.models import GovernanceReport


class ReportRequestForm(forms.ModelForm):
    version = forms.ModelChoiceField(
        queryset=ModelVersion.objects.select_related("model").order_by("model__name", "-version"),
        help_text="The model version the report is about (production versions are listed first in the portfolio).",
    )
    variant = forms.ChoiceField(choices=ReportVariant.choices, initial=ReportVariant.PDF_A)

    class Meta:
        model = GovernanceReport
        fields = ["version", "variant"]


@admin.register(GovernanceReport)
class GovernanceReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "status", "progress", "trigger", "requested_by_name", "created_at", "download"]
    list_filter = ["kind", "status", "trigger", "variant"]
    search_fields = ["model_name", "sha256", "title"]
    actions = ["regenerate"]
    readonly_fields = [
        "kind",
        "model_name",
        "version_number",
        "variant",
        "trigger",
        "requested_by_name",
        "title",
        "status",
        "progress",
        "error",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "sha256",
        "size_bytes",
        "chain_sequence",
        "chain_hash",
        "chain_verified",
        "download",
    ]

    def get_queryset(self, request):
        return selectors.report_list(user=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ReportRequestForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ["version", "variant"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # reports are evidence

    def save_model(self, request, obj, form, change):
        version = form.cleaned_data["version"]
        report = services.report_request(
            actor=request.user, version=version, variant=form.cleaned_data["variant"], trigger=ReportTrigger.ADMIN
        )
        obj.pk = report.pk

    def save_related(self, request, form, formsets, change):
        return None  # nothing else to save: the service created the row

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.path)

    @admin.display(description="PDF")
    def download(self, obj: GovernanceReport):
        if not obj.file:
            return "—"
        return format_html('<a href="{}">Download</a>', reverse("reports:report-download", args=[obj.pk]))

    @admin.action(description="Generate a new report of the same version (or portfolio)", permissions=["add"])
    def regenerate(self, request, queryset):
        done = 0
        for report in queryset:
            try:
                if report.kind == ReportKind.PORTFOLIO:
                    services.report_request(
                        actor=request.user,
                        kind=ReportKind.PORTFOLIO,
                        variant=report.variant,
                        trigger=ReportTrigger.ADMIN,
                    )
                elif report.version is not None:
                    services.report_request(
                        actor=request.user, version=report.version, variant=report.variant, trigger=ReportTrigger.ADMIN
                    )
                else:
                    raise DomainError(f"{report}: its model version no longer exists.")
                done += 1
            except DomainError as exc:
                self.message_user(request, str(exc), level=messages.ERROR)
        if done:
            self.message_user(request, _("%(count)s report(s) queued.") % {"count": done}, level=messages.SUCCESS)
