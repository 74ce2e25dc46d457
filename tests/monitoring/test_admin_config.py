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


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hook", "http://169.254.169.254/latest/", "file:///etc/passwd"])
def test_a_webhook_the_sender_would_refuse_is_a_form_error_in_the_admin(client, personas, url):
    from monitoring.models import WebhookEndpoint

    client.force_login(personas.admin)
    form = {"name": "bad-hook", "url": url, "secret": "s3cr3t-value", "enabled": "on"}
    response = client.post("/admin/monitoring/webhookendpoint/add/", form)
    assert response.status_code == 200  # the form again, with the error on the field
    assert 'class="errorlist' in response.content.decode()
    assert not WebhookEndpoint.objects.filter(name="bad-hook").exists()


@pytest.mark.django_db
def test_an_alert_rule_without_target_or_with_unknown_events_is_a_form_error_in_the_admin(client, personas):
    from monitoring.models import AlertRule

    client.force_login(personas.admin)
    form = {"name": "no-target", "events": json.dumps(["drift"]), "emails": "[]", "enabled": "on"}
    assert client.post("/admin/monitoring/alertrule/add/", form).status_code == 200
    form.update(emails=json.dumps(["ml-oncall@example.org"]), events=json.dumps(["no.such.event"]))
    response = client.post("/admin/monitoring/alertrule/add/", form)
    assert response.status_code == 200 and "no.such.event" in response.content.decode()
    assert not AlertRule.objects.exists()
    form["events"] = json.dumps(["drift"])
    assert client.post("/admin/monitoring/alertrule/add/", form).status_code == 302
    assert AlertRule.objects.get(name="no-target").emails == ["ml-oncall@example.org"]


@pytest.mark.django_db
def test_the_admin_never_shows_the_webhook_secret_and_keeps_it_when_left_empty(client, personas):
    from monitoring.models import WebhookEndpoint

    client.force_login(personas.admin)
    form = {"name": "ci-hook", "url": "https://hooks.example.org/mlops", "secret": "s3cr3t-value", "enabled": "on"}
    assert client.post("/admin/monitoring/webhookendpoint/add/", form).status_code == 302
    endpoint = WebhookEndpoint.objects.get(name="ci-hook")
    change_url = f"/admin/monitoring/webhookendpoint/{endpoint.pk}/change/"
    assert "s3cr3t-value" not in client.get(change_url).content.decode()
    form.update(secret="", url="https://hooks.example.org/other")
    assert client.post(change_url, form).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret == "s3cr3t-value" and endpoint.url.endswith("/other")
    form.update(secret="rotated-value")
    client.post(change_url, form)
    endpoint.refresh_from_db()
    assert endpoint.secret == "rotated-value"
    empty_add = client.post("/admin/monitoring/webhookendpoint/add/", {**form, "name": "no-secret", "secret": ""})
    assert empty_add.status_code == 200 and not WebhookEndpoint.objects.filter(name="no-secret").exists()
