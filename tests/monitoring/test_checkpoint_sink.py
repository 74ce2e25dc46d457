"""Audit checkpoints published to webhook endpoints (monitoring's signed, SSRF-safe sender) and to auditors by
e-mail; the registry's beat schedule for them (issue #14)."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django_celery_beat.models import PeriodicTask

from monitoring import webhooks
from monitoring.models import WebhookEndpoint
from registry import builtin
from registry.audit import checkpoints
from registry.domain import checkpoint as cp
from registry.models import CheckpointPublication, PublicationStatus
from tests.monitoring.test_webhooks import Receiver, allow_loopback


@pytest.fixture
def keyed(tmp_path, settings, personas):
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "signing.pem"
    settings.AUDIT_SIGNING_KEY_GENERATE = True
    settings.AUDIT_CHECKPOINT = {**settings.AUDIT_CHECKPOINT, "DIRECTORY": "", "EMAILS": [], "WEBHOOKS": ["siem"]}
    return tmp_path


def test_checkpoint_goes_to_the_named_webhook_signed(keyed, django_capture_on_commit_callbacks):
    with Receiver() as receiver, allow_loopback():
        WebhookEndpoint.objects.create(name="siem", url=receiver.url, secret="s3cret")
        with django_capture_on_commit_callbacks(execute=True):
            checkpoint = checkpoints.checkpoint_write()
    publication = checkpoint.publications.get()
    assert publication.sink == "webhook" and publication.target == "siem"  # the name, never the URL
    assert publication.status == PublicationStatus.SUCCEEDED
    headers, body = receiver.requests[0]
    assert headers[webhooks.SIGNATURE_HEADER] == webhooks.sign(body, "s3cret")
    sent = json.loads(body)
    assert sent["event"] == "audit.checkpoint" and cp.signature_valid(cp.parse(sent["checkpoint"]))


def test_a_missing_or_refusing_endpoint_is_retried_not_silent(keyed, django_capture_on_commit_callbacks):
    with Receiver(status=500) as receiver, allow_loopback():
        WebhookEndpoint.objects.create(name="siem", url=receiver.url, secret="s3cret")
        with django_capture_on_commit_callbacks(execute=True):
            checkpoint = checkpoints.checkpoint_write()
    publication = CheckpointPublication.objects.get(checkpoint=checkpoint)
    assert publication.status == PublicationStatus.PENDING and "500" in publication.last_error
    assert publication.next_attempt_at is not None


def test_auditors_get_the_checkpoint_by_email(keyed, settings, personas, django_capture_on_commit_callbacks):
    settings.AUDIT_CHECKPOINT = {**settings.AUDIT_CHECKPOINT, "WEBHOOKS": [], "EMAILS": ["auditors", "ext@example.org"]}
    personas.auditor.email = "audrey@example.org"
    personas.auditor.save()
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = checkpoints.checkpoint_write()
    assert sorted(str(m.to[0]) for m in mail.outbox) == ["audrey@example.org", "ext@example.org"]
    body = str(mail.outbox[0].body)
    assert checkpoint.document in body and "BEGIN PUBLIC KEY" in body


def test_the_schedule_is_created_by_the_builtin_data(db):
    PeriodicTask.objects.filter(name=builtin.CHECKPOINT_SCHEDULE_NAME).delete()
    assert "audit checkpoint schedule created" in builtin.load()
    task = PeriodicTask.objects.get(name=builtin.CHECKPOINT_SCHEDULE_NAME)
    assert task.task == "registry.checkpoint_tick" and task.enabled
    assert "audit checkpoint schedule" not in builtin.load()  # once
