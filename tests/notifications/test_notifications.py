"""E-mail notifications: approvers when a request opens, the requester when it is decided or applied, the team when
a production model drifts or goes stale; each person switches kinds off on their profile page."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import NotificationPreference
from registry import services
from registry.models import AuditEvent
from tests.registry.factories import make_model, make_version

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(personas):
    for user in (
        personas.scientist,
        personas.engineer,
        personas.approver,
        personas.approver2,
        personas.approver3,
        personas.auditor,
        personas.scientist_approver,
        personas.outsider,
    ):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return personas


def _recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def _request(personas, version, who=None):
    promotion, _ = services.promotion_request_create(
        version=version, actor=who or personas.scientist, justification="Ready."
    )
    return promotion


def test_eligible_approvers_are_told_when_a_request_opens(people, django_capture_on_commit_callbacks):
    model = make_model(people)
    version = make_version(people, model)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        promotion = _request(people, version, who=people.scientist_approver)
    # Every approver but the requester (who is one too); never data scientists or auditors.
    assert _recipients() == ["alice@example.org", "bob@example.org", "carol@example.org"]
    message = mail.outbox[0]
    assert "Approval needed: credit-scoring v1" in message.subject
    assert reverse("registry:request-detail", args=[promotion.pk]) in message.body
    assert all(len(m.to) == 1 for m in mail.outbox)  # nobody sees who else was told


def test_the_requester_is_told_of_decisions_and_the_change(people, django_capture_on_commit_callbacks):
    model = make_model(people)
    version = make_version(people, model)
    promotion = _request(people, version)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.promotion_decide(request=promotion, actor=people.approver, decision="approve", comment="Fine.")
    subjects = [m.subject for m in mail.outbox if m.to == ["sam@example.org"]]
    assert any("was approved by alice" in s for s in subjects)
    assert any("was applied" in s for s in subjects)
    assert any("Comment: Fine." in m.body for m in mail.outbox)

    second = _request(people, make_version(people, model))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.promotion_decide(request=second, actor=people.approver2, decision="reject", comment="Not yet.")
    assert [m.to for m in mail.outbox] == [["sam@example.org"]]
    assert "was rejected by bob" in mail.outbox[0].subject


def test_switched_off_kinds_are_not_sent(people, client, django_capture_on_commit_callbacks):
    client.force_login(people.approver)
    page = client.get(reverse("profile"))
    assert page.status_code == 200 and "alice@example.org" in page.content.decode()
    response = client.post(reverse("profile"), {"request_decided": "on", "production_alert": "on"})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=people.approver).request_opened is False
    event = AuditEvent.objects.filter(action="notifications.preferences_updated").get()
    assert event.actor_name == "alice" and event.after == {"request_opened": False}
    model = make_model(people)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _request(people, make_version(people, model))
    assert "alice@example.org" not in _recipients() and "bob@example.org" in _recipients()


def test_the_team_hears_when_a_production_model_drifts_not_a_staging_one(people, django_capture_on_commit_callbacks):
    from monitoring import services as monitoring_services

    model = make_model(people)
    version = make_version(people, model)
    promotion = _request(people, version)
    services.promotion_decide(request=promotion, actor=people.approver, decision="approve")
    staging = make_version(people, model)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        monitoring_services.alert_raise(kind="drift", model=model, version=staging, message="3 of 5 columns drifted")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        monitoring_services.alert_raise(kind="drift", model=model, version=version, message="3 of 5 columns drifted")
        monitoring_services.alert_raise(kind="stale_data", model=model, version=version, message="No data for 2 days")
    assert sorted(set(_recipients())) == ["dual@example.org", "eve@example.org", "sam@example.org"]
    assert any("credit-scoring v1 drifts" in m.subject for m in mail.outbox)
    assert any("has had no new data" in m.subject for m in mail.outbox)


def test_a_mail_failure_never_breaks_the_write(people, django_capture_on_commit_callbacks):
    model = make_model(people)
    version = make_version(people, model)
    with (
        mock.patch("notifications.tasks.deliver_email.delay", side_effect=ConnectionError("broker down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        promotion = _request(people, version)
    promotion.refresh_from_db()
    assert promotion.status == "open"
    assert AuditEvent.objects.filter(action="promotion.requested").exists()


def test_sending_goes_through_the_task(people, django_capture_on_commit_callbacks):
    model = make_model(people)
    version = make_version(people, model)
    with (
        mock.patch("notifications.tasks.deliver_email.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        _request(people, version)
    assert delay.call_count == 1
    assert sorted(delay.call_args.kwargs["recipients"]) == [
        "alice@example.org",
        "bob@example.org",
        "carol@example.org",
        "dual@example.org",
    ]


@pytest.mark.usefixtures("compiled_catalogues")
def test_each_person_gets_the_e_mail_in_their_own_language(people, django_capture_on_commit_callbacks):
    from django.utils import translation

    from notifications.services import language_update

    language_update(user=people.approver, actor=people.approver, language="ko")  # alice reads Korean
    model = make_model(people)
    version = make_version(people, model)
    mail.outbox.clear()
    # The request is made from a page read in Korean: the others still get English, alice Korean.
    with translation.override("ko"), django_capture_on_commit_callbacks(execute=True):
        promotion = _request(people, version)
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"alice@example.org", "bob@example.org", "carol@example.org", "dual@example.org"}
    korean = by_address["alice@example.org"]
    assert korean.subject == f"[mlops-gov] 승인 필요: {model.name} v{version.version} → 운영"
    assert "증거를 검토하고 결정하십시오" in korean.body and "Review the evidence" not in korean.body
    english = by_address["bob@example.org"]
    assert english.subject == f"[mlops-gov] Approval needed: {model.name} v{version.version} to production"
    assert "Review the evidence and decide" in english.body
    # The audit trail the e-mails came from is the same whatever language anyone reads.
    event = AuditEvent.objects.filter(action="promotion.requested").get()
    assert event.object_repr == str(promotion) and "Request #" in event.object_repr
