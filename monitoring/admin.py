"""Monitoring admin: configuration, alert rules and webhooks are editable; datasets, checks, alerts and deliveries
are evidence and read-only (uploads and checks go through the services, from the pages, API or CLI)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from mlops_gov.errors import DomainError
from monitoring import services
from monitoring.models import Alert, AlertRule, Dataset, Delivery, DriftCheck, MonitoringConfig, WebhookEndpoint


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


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "event", "channel", "target", "status", "attempts", "response_status"]
    list_filter = ["status", "channel", "event"]
    actions = ["retry_now"]

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("monitoring.change_alertrule")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description="Retry the selected failed or pending deliveries now")
    def retry_now(self, request, queryset):
        try:
            ids = services.delivery_retry(deliveries=list(queryset), actor=request.user)
        except DomainError as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            return
        self.message_user(request, f"{len(ids)} deliveries queued; succeeded ones are left alone.")


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

    def _post_clean(self):
        super()._post_clean()  # the instance now carries the form's values
        try:
            services.alert_routing_validate(self.instance)
        except ValidationError as exc:
            self._update_errors(exc)


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
    form = WebhookEndpointForm
    list_display = ["name", "url", "enabled", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(AlertRule)
class AlertRuleAdmin(AuditedRoutingAdmin):
    list_display = ["name", "model", "webhook", "enabled"]
    list_select_related = ["model", "webhook"]
