"""A webhook secret is never shown again once set, and a tokenised webhook URL is shown whole only to those who may
edit webhooks: admin lists and forms, the Delivery admin, the audit API, admin and CSV (issue #13, hole 3)."""

from __future__ import annotations

import csv
import io
from typing import cast

import pytest
from django.urls import reverse

from monitoring import services
from monitoring.domain import netguard
from monitoring.models import Delivery, DeliveryChannel, DeliveryStatus, WebhookEndpoint
from registry.models import AuditEvent

TOKEN = "T0KEN9f3a7c1e"
URL = f"https://hooks.example.org/services/{TOKEN}?key={TOKEN}"
SECRET = "wh-secret-5d1c0e77aa"


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    monkeypatch.setattr(netguard, "system_resolver", lambda host, port: ["93.184.216.34"])


@pytest.fixture
def hook(personas):
    endpoint = services.alert_routing_save(
        obj=WebhookEndpoint(), actor=personas.engineer, changes={"name": "oncall", "url": URL, "secret": SECRET}
    )
    Delivery.objects.create(
        event="drift",
        channel=DeliveryChannel.WEBHOOK,
        target=URL,
        webhook=cast(WebhookEndpoint, endpoint),
        payload={"event": "drift"},
        status=DeliveryStatus.FAILED,
        attempts=1,
        last_error=f"Connection refused: {URL}",
    )
    return endpoint


def _pages(client, hook):
    delivery = Delivery.objects.get()
    event = AuditEvent.objects.filter(object_type="monitoring.webhookendpoint").latest("sequence")
    urls = [
        reverse("admin:monitoring_webhookendpoint_changelist"),
        reverse("admin:monitoring_webhookendpoint_change", args=[hook.pk]),
        reverse("admin:monitoring_delivery_changelist"),
        reverse("admin:monitoring_delivery_change", args=[delivery.pk]),
        reverse("admin:registry_auditevent_change", args=[event.pk]),
        "/api/v1/audit/",
        "/api/v1/webhook-endpoints/",
    ]
    bodies = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies[url] = response.content.decode()
    return bodies


@pytest.mark.parametrize("who", ["auditor", "scientist", "approver"])
def test_readers_see_neither_the_secret_nor_the_token(personas, client, hook, who):
    client.force_login(getattr(personas, who))
    for url, body in _pages(client, hook).items():
        assert SECRET not in body, url
        assert TOKEN not in body, url
    assert "https://hooks.example.org/…" in _pages(client, hook)[reverse("admin:monitoring_webhookendpoint_changelist")]


def test_editors_see_the_url_but_never_the_secret(personas, client, hook):
    client.force_login(personas.engineer)
    bodies = _pages(client, hook)
    for url, body in bodies.items():
        assert SECRET not in body, url
    assert TOKEN in bodies[reverse("admin:monitoring_webhookendpoint_change", args=[hook.pk])]
    assert TOKEN in bodies["/api/v1/audit/"]


def test_the_audit_csv_redacts_urls_for_an_auditor(personas, client, hook):
    client.force_login(personas.auditor)
    response = client.get(reverse("registry:audit-export"))
    text = b"".join(response.streaming_content).decode()
    assert SECRET not in text and TOKEN not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert any("https://hooks.example.org/…" in cell for row in rows for cell in row)
