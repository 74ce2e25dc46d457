"""Monitoring admin: configuration, alert rules and webhooks are editable; datasets, checks, alerts and deliveries
are evidence and read-only (uploads and checks go through the services, from the pages, API or CLI)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mlops_gov.errors import DomainError
from mlops_gov.redaction import redact_urls
from monitoring import services
from monitoring.models import Alert, AlertRule, Dataset, Delivery, DriftCheck, MonitoringConfig, WebhookEndpoint
from registry.audit_display import may_see_webhook_urls


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdmin):
    list_display = ["id", "version", "kind", "name", "n_rows", "n_columns", "uploaded_by", "created_at"]
    list_filter = ["kind", "source_format"]
    search_fields = ["name", "sha256", "version__model__name"]
    list_select_related = ["version__model", "uploaded_by"]


@admin.register(DriftCheck)
class DriftCheckAdmin(ReadOnlyAdmin):
    list_display = ["id", "version", "status", "progress", "dataset_drift", "drift_share", "created_at", "finished_at"]
    list_filter = ["status", "dataset_drift", "trigger"]
    list_select_related = ["version__model"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "model", "version", "message"]
    list_filter = ["kind"]
    list_select_related = ["model", "version__model"]


def _may_see_urls(request) -> bool:
    return may_see_webhook_urls(request.user)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Deliveries are evidence (read-only); a webhook target may carry a token, so it is shown whole only to those who
    may edit webhooks (in the list, the form and the error text)."""

    list_filter = ["status", "channel", "event"]
    actions = ["retry_now"]

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("monitoring.change_alertrule")

    def get_list_display(self, request):
        target = "target" if _may_see_urls(request) else "target_redacted"
        return ["created_at", "event", "channel", target, "status", "attempts", "response_status"]

    def get_fields(self, request, obj=None):
        names = [f.name for f in self.model._meta.fields if f.name != "id"]
        if _may_see_urls(request):
            return names
        hidden = {"target": "target_redacted", "last_error": "last_error_redacted", "payload": "payload_redacted"}
        return [hidden.get(name, name) for name in names]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=gettext_lazy("target"))
    def target_redacted(self, obj):
        return redact_urls(obj.target)

    @admin.display(description=gettext_lazy("last error"))
    def last_error_redacted(self, obj):
        return redact_urls(obj.last_error)

    @admin.display(description=gettext_lazy("payload"))
    def payload_redacted(self, obj):
        return json.dumps(redact_urls(obj.payload), sort_keys=True)

    @admin.action(description=gettext_lazy("Retry the selected failed or pending deliveries now"))
    def retry_now(self, request, queryset):
        try:
            ids = services.delivery_retry(deliveries=list(queryset), actor=request.user)
        except DomainError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return
        self.message_user(request, _("%(n)d deliveries queued; succeeded ones are left alone.") % {"n": len(ids)})


class MonitoringConfigForm(forms.ModelForm):
    class Meta:
        model = MonitoringConfig
        fields = ["model", "drift_config", "quality_thresholds", "check_on_upload", "stale_after_hours"]

    def clean_drift_config(self):
        # Validate on the form so a bad config is shown on the field and nothing is reported as saved.
        try:
            return services.drift_config_validate(self.cleaned_data["drift_config"])
        except DomainError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(MonitoringConfig)
class MonitoringConfigAdmin(admin.ModelAdmin):
    form = MonitoringConfigForm
    list_display = ["model", "check_on_upload", "stale_after_hours", "updated_at"]
    list_select_related = ["model"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        changes = {
            f: form.cleaned_data[f]
            for f in ("drift_config", "quality_thresholds", "check_on_upload", "stale_after_hours")
        }
        try:
            services.config_update(model=obj.model, actor=request.user, **changes)
        except DomainError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)


class RoutingForm(forms.ModelForm):
    """Runs the service's own checks (the sender's SSRF rules, known events, e-mails, a target per rule) on the form,
    so what the service would refuse is shown on the field, never a server error."""

    # BaseModelForm._post_clean and _update_errors: Django's hook after the instance is built; not in django-stubs.
    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # the instance now carries the form's values
        try:
            services.alert_routing_validate(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)  # type: ignore[attr-defined]


class WebhookEndpointForm(RoutingForm):
    secret = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        max_length=200,
        required=False,
        help_text="Shared secret for the X-MLOps-Gov-Signature HMAC-SHA256. Never shown again; leave empty to keep it.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "secret", "enabled"]

    def clean_secret(self) -> str:
        secret = self.cleaned_data.get("secret", "")
        if secret:
            return secret
        if self.instance.pk:
            return WebhookEndpoint.objects.values_list("secret", flat=True).get(pk=self.instance.pk)
        raise ValidationError("Give the shared secret.")


class AuditedRoutingAdmin(admin.ModelAdmin):
    """Saves and deletes go through the service, which audits them (the secret is redacted in the trail)."""

    form = RoutingForm

    def save_model(self, request, obj, form, change):
        services.alert_routing_save(obj=obj, actor=request.user)

    def delete_model(self, request, obj):
        services.alert_routing_delete(obj=obj, actor=request.user)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # a bulk delete would bypass the audit trail
        return actions


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(AuditedRoutingAdmin):
    """The secret is never shown again after it is set (its form field is write-only, and the read-only view of
    those who may not edit has no secret at all); the URL, which may carry a token, is redacted for them."""

    form = WebhookEndpointForm
    readonly_fields = ["created_at"]

    def get_list_display(self, request):
        url = "url" if _may_see_urls(request) else "url_redacted"
        return ["name", url, "enabled", "created_at"]

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj) or (obj is None and self.has_add_permission(request)):
            return ["name", "url", "secret", "enabled", "created_at"]
        return ["name", "url" if _may_see_urls(request) else "url_redacted", "enabled", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if self.has_change_permission(request, obj) or (obj is None and self.has_add_permission(request)):
            return ["created_at"]
        return self.get_fields(request, obj)

    @admin.display(description=gettext_lazy("URL"))
    def url_redacted(self, obj):
        return redact_urls(obj.url)


@admin.register(AlertRule)
class AlertRuleAdmin(AuditedRoutingAdmin):
    list_display = ["name", "model", "webhook", "enabled"]
    list_select_related = ["model", "webhook"]
