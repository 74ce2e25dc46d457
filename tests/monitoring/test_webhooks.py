"""Alerts and events go out by signed webhook and email, with delivery history; SSRF targets are refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.test import override_settings

from monitoring import services, webhooks
from monitoring.domain import netguard
from monitoring.models import Alert, AlertRule, Delivery, WebhookEndpoint

SETTINGS = __import__("django.conf").conf.settings


def allow_loopback():
    return override_settings(MLOPS_GOV={**SETTINGS.MLOPS_GOV, "WEBHOOK_ALLOWED_NETWORKS": ["127.0.0.0/8"]})


class Receiver:
    def __init__(self, status: int = 200, location: str = ""):
        self.requests: list[tuple[dict, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), body))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def fake_resolver(answer: list[str]):
    return lambda host, port: answer


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost/x",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "ftp://example.org/",
        "file:///etc/passwd",
        "http://user:pw@example.org/",
    ],
)
def test_internal_targets_refused(url):
    with pytest.raises(netguard.BlockedDestination):
        netguard.check_url(url, resolver=netguard.system_resolver)


@pytest.mark.parametrize(
    "answer", [["127.0.0.1"], ["10.0.0.5"], ["169.254.169.254"], ["::1"], ["93.184.216.34", "192.168.0.1"]]
)
def test_names_resolving_to_internal_addresses_refused(answer):
    with pytest.raises(netguard.BlockedDestination, match="resolves to"):
        netguard.check_url("https://hooks.example.org/x", resolver=fake_resolver(answer))


def test_public_address_allowed_and_pinned():
    assert netguard.check_url("https://hooks.example.org:8443/x", resolver=fake_resolver(["93.184.216.34"])) == (
        "https",
        "hooks.example.org",
        8443,
        "93.184.216.34",
    )


def test_allow_list_admits_an_operator_network():
    assert netguard.check_url("http://127.0.0.1:9/", allowed_networks=["127.0.0.0/8"])[3] == "127.0.0.1"
    with pytest.raises(netguard.BlockedDestination):
        netguard.check_url("http://10.0.0.1/", allowed_networks=["127.0.0.0/8"])


def test_pinned_connection_uses_resolved_address_not_a_second_lookup():
    # The resolver answers a public address first (checked), then a rebinding DNS would answer loopback: the
    # connection goes to the checked address, so the local receiver never sees the request.
    with Receiver() as receiver:
        port = receiver.server.server_port
        with pytest.raises(webhooks.WebhookError):
            webhooks.post(
                f"http://rebind.example.org:{port}/",
                {"a": 1},
                secret="s",
                allowed_networks=[],
                resolver=fake_resolver(["192.0.2.1"]),
            )  # TEST-NET: not global -> refused
        assert receiver.requests == []


def test_redirect_is_refused_not_followed():
    with Receiver(status=302, location="http://169.254.169.254/latest/") as receiver:
        with pytest.raises(webhooks.WebhookError, match="redirect"):
            webhooks.post(receiver.url, {"a": 1}, secret="s", allowed_networks=["127.0.0.0/8"])
        assert len(receiver.requests) == 1


@pytest.mark.django_db
def test_drift_alert_delivered_signed_with_history(personas, version, reference, upload):
    from tests.monitoring.factories import make_frame

    with Receiver() as receiver, allow_loopback():
        endpoint = WebhookEndpoint.objects.create(name="ci", url=receiver.url, secret="s3cret")
        AlertRule.objects.create(name="all drift", events=["drift"], webhook=endpoint, emails=["oncall@example.org"])
        upload(version, make_frame(300, shift=1.0, seed=3))
    assert Alert.objects.filter(kind="drift").count() == 1
    headers, body = receiver.requests[0]
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers[webhooks.SIGNATURE_HEADER] == expected
    payload = json.loads(body)
    assert payload["event"] == "drift" and payload["model"] == "churn" and payload["dataset_drift"] is True
    hook = Delivery.objects.get(channel="webhook")
    assert hook.status == "succeeded" and hook.response_status == 200 and hook.attempts == 1
    assert Delivery.objects.get(channel="email").status == "succeeded"
    assert len(mail.outbox) == 1 and "drift" in mail.outbox[0].subject


@pytest.mark.django_db
def test_blocked_webhook_fails_delivery_without_retry(personas, version, reference, upload):
    from tests.monitoring.factories import make_frame

    endpoint = WebhookEndpoint.objects.create(name="meta", url="http://169.254.169.254/hook", secret="x")
    AlertRule.objects.create(name="r", events=["drift"], webhook=endpoint)
    upload(version, make_frame(300, shift=1.0, seed=3))
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "link-local" in delivery.last_error and delivery.attempts == 1


@pytest.mark.django_db
def test_unreachable_webhook_is_retried_with_backoff(personas, version, reference, upload):
    from django.utils import timezone

    from tests.monitoring.factories import make_frame

    endpoint = WebhookEndpoint.objects.create(name="down", url="http://127.0.0.1:9/hook", secret="x")
    AlertRule.objects.create(name="r", events=["drift"], webhook=endpoint)
    with allow_loopback():
        upload(version, make_frame(300, shift=1.0, seed=3))
        delivery = Delivery.objects.get()
        assert delivery.status == "pending" and delivery.attempts == 1
        assert delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now()
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        services.sweep()
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and "Could not deliver" in delivery.last_error


@pytest.mark.django_db(transaction=True)
def test_registry_events_go_out(personas):
    from registry import services as registry_services

    with Receiver() as receiver, allow_loopback():
        endpoint = WebhookEndpoint.objects.create(name="ci", url=receiver.url, secret="k")
        AlertRule.objects.create(name="versions", events=["version.created", "promotion.requested"], webhook=endpoint)
        model = registry_services.model_create(actor=personas.scientist, name="m1", team=personas.team)
        registry_services.version_create(model=model, actor=personas.scientist, source_uri="s3://b/m1")
    events = [json.loads(body)["event"] for _, body in receiver.requests]
    assert events == ["version.created"]
    assert Delivery.objects.get().status == "succeeded"


@pytest.mark.django_db
def test_retry_now_is_an_audited_service_that_leaves_succeeded_deliveries_alone(
    personas, version, reference, upload, django_capture_on_commit_callbacks, monkeypatch
):
    from mlops_gov.errors import PermissionError_
    from monitoring import tasks
    from registry.models import AuditEvent
    from tests.monitoring.factories import make_frame

    endpoint = WebhookEndpoint.objects.create(name="meta", url="http://169.254.169.254/hook", secret="x")
    AlertRule.objects.create(name="r", events=["drift"], webhook=endpoint, model=version.model)
    upload(version, make_frame(300, shift=1.0, seed=3))
    failed = Delivery.objects.get()
    done = Delivery.objects.create(event="drift", channel="email", target="a@example.org", status="succeeded")
    with pytest.raises(PermissionError_):
        services.delivery_retry(deliveries=[failed], actor=personas.scientist)
    assert not AuditEvent.objects.filter(action="delivery.retried").exists()

    sent: list[int] = []
    monkeypatch.setattr(tasks.deliver, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        ids = services.delivery_retry(deliveries=[failed, done], actor=personas.engineer)
    assert ids == [failed.pk] and sent == [failed.pk]
    failed.refresh_from_db()
    done.refresh_from_db()
    assert failed.status == "pending" and failed.next_attempt_at is None and done.status == "succeeded"
    event = AuditEvent.objects.get(action="delivery.retried")
    assert event.actor_name == personas.engineer.username and event.before["status"] == "failed"
    assert event.model_id == version.model_id


@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_that_cannot_be_published_reaches_the_rules_listening_for_it(personas):
    from registry.audit import audit_record

    rule = AlertRule.objects.create(name="auditors", events=["audit.checkpoint_publish_failed"], emails=["a@x.org"])
    assert "audit.checkpoint_publish_failed" in services.ROUTABLE_EVENTS
    audit_record(
        action="audit.checkpoint_publish_failed",
        obj=rule,
        object_repr="checkpoint #7 -> directory",
        after={"sink": "directory", "attempts": 5, "error": "No such directory"},
    )
    delivery = Delivery.objects.get(rule=rule)
    assert delivery.event == "audit.checkpoint_publish_failed" and delivery.payload["after"]["attempts"] == 5
    assert delivery.status == "succeeded" and "audit.checkpoint_publish_failed" in mail.outbox[-1].subject
