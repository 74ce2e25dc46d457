import json

import pytest

from monitoring.models import MonitoringConfig
from registry import services as registry_services


@pytest.mark.django_db
def test_an_invalid_drift_config_in_the_admin_is_shown_on_the_form_and_not_saved(client, personas):
    model = registry_services.model_create(actor=personas.scientist, name="admin-config", team=personas.team)
    config = MonitoringConfig.objects.create(model=model, drift_config={"drift_share": 0.3})
    client.force_login(personas.admin)
    url = f"/admin/monitoring/monitoringconfig/{config.pk}/change/"
    form = {
        "model": model.pk,
        "drift_config": json.dumps({"stattest": "no-such-test"}),
        "quality_thresholds": "{}",
        "check_on_upload": "on",
        "stale_after_hours": "48",
    }
    response = client.post(url, form)
    assert response.status_code == 200  # the form comes back with the error, no redirect to "saved"
    assert "Invalid drift configuration" in response.content.decode()
    config.refresh_from_db()
    assert config.drift_config == {"drift_share": 0.3}

    form["drift_config"] = json.dumps({"drift_share": 0.4})
    saved = client.post(url, form)
    assert saved.status_code == 302
    config.refresh_from_db()
    assert config.drift_config["drift_share"] == 0.4


@pytest.mark.django_db
def test_webhook_endpoint_edits_in_the_admin_are_audited_with_the_secret_redacted(client, personas):
    from monitoring.models import WebhookEndpoint
    from registry.models import AuditEvent

    client.force_login(personas.admin)
    form = {"name": "ci-hook", "url": "https://hooks.example.org/mlops", "secret": "s3cr3t-value", "enabled": "on"}
    assert client.post("/admin/monitoring/webhookendpoint/add/", form).status_code == 302
    endpoint = WebhookEndpoint.objects.get(name="ci-hook")
    created = AuditEvent.objects.get(action="monitoring.webhookendpoint_created")
    assert created.actor_name == "root" and created.after["url"] == "https://hooks.example.org/mlops"
    assert created.after["secret"] == "<redacted>"
    assert "s3cr3t-value" not in json.dumps(created.after)

    form["url"] = "https://hooks.example.org/other"
    client.post(f"/admin/monitoring/webhookendpoint/{endpoint.pk}/change/", form)
    updated = AuditEvent.objects.get(action="monitoring.webhookendpoint_updated")
    assert updated.before["url"].endswith("/mlops") and updated.after["url"].endswith("/other")

    client.post(f"/admin/monitoring/webhookendpoint/{endpoint.pk}/delete/", {"post": "yes"})
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert AuditEvent.objects.filter(action="monitoring.webhookendpoint_deleted").count() == 1
