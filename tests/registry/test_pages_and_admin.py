"""Pages and admin screens load for each persona, refuse what they must, and never 500 on a refused save."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry import services
from registry.models import PromotionRequest
from tests.registry.factories import events


@pytest.fixture
def promotion(personas, staged):
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    return promotion


def test_pages_load(personas, client, model, staged, promotion):
    client.force_login(personas.auditor)
    pages = [
        reverse("registry:model-list"),
        reverse("registry:model-list") + "?q=credit&stage=staging&risk_tier=low",
        reverse("registry:model-detail", args=[model.name]),
        reverse("registry:request-list"),
        reverse("registry:request-list") + "?status=open",
        reverse("registry:request-detail", args=[promotion.pk]),
        reverse("registry:audit-list"),
        reverse("registry:audit-list") + "?since=2000-01-01T00:00&until=bad",
        reverse("registry:audit-verify"),
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    body = client.get(reverse("registry:model-detail", args=[model.name])).content.decode()
    assert (
        "s3://models/credit-scoring/artifact.skops" in body and "audit-timeline" in body and "intended use text" in body
    )


def test_model_list_filters(personas, client, model, staged):
    services.model_create(actor=personas.scientist, name="other-model", risk_tier="critical")
    client.force_login(personas.scientist)
    body = client.get(reverse("registry:model-list"), {"stage": "staging"}).content.decode()
    assert "credit-scoring" in body and "other-model" not in body
    body = client.get(reverse("registry:model-list"), {"risk_tier": "critical"}).content.decode()
    assert "other-model" in body and "credit-scoring" not in body
    body = client.get(reverse("registry:model-list"), {"q": "other"}).content.decode()
    assert "other-model" in body and "credit-scoring" not in body


def test_user_text_is_escaped(personas, client):
    model = services.model_create(actor=personas.scientist, name="xss-model", description="<script>alert(1)</script>")
    client.force_login(personas.scientist)
    body = client.get(reverse("registry:model-detail", args=[model.name])).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_pages_need_a_role(personas, client, model):
    client.force_login(personas.nobody)
    assert client.get(reverse("registry:model-list")).status_code == 403
    assert client.get(reverse("registry:audit-list")).status_code == 403
    client.logout()
    assert client.get(reverse("registry:model-list")).status_code == 302


def test_page_request_and_decision_flow(personas, client, model, staged):
    client.force_login(personas.scientist)
    url = reverse("registry:request-create", args=[model.name, staged.version])
    response = client.post(url, {"justification": "Ready."})
    promotion = PromotionRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("registry:request-detail", args=[promotion.pk])
    client.force_login(personas.approver)
    body = client.get(reverse("registry:request-detail", args=[promotion.pk])).content.decode()
    assert "gate-table" in body and "model_card" in body and "Your decision" in body
    client.post(reverse("registry:request-decide", args=[promotion.pk]), {"decision": "approve", "comment": "ok"})
    promotion.refresh_from_db()
    staged.refresh_from_db()
    assert promotion.status == "applied" and staged.stage == "production"
    assert [e.channel for e in events("promotion.applied")] == ["web"]


def test_page_refusals_are_messages(personas, client, model, staged):
    client.force_login(personas.outsider)
    url = reverse("registry:request-create", args=[model.name, staged.version])
    response = client.post(url, {"justification": "Ready."}, follow=True)
    assert response.status_code == 200 and "owner or team" in response.content.decode()
    assert not PromotionRequest.objects.exists()
    response = client.post(url, {"justification": ""}, follow=True)
    assert "justification" in response.content.decode()
    client.force_login(personas.scientist)
    bad = client.post(reverse("registry:request-decide", args=[999]), {"decision": "approve"})
    assert bad.status_code == 404


def test_admin_pages_load(personas, client, model, staged, promotion):
    client.force_login(personas.admin)
    for name in [
        "registeredmodel",
        "modelversion",
        "promotionrequest",
        "promotionpolicy",
        "auditevent",
        "team",
        "modelalias",
    ]:
        assert client.get(reverse(f"admin:registry_{name}_changelist")).status_code == 200, name
    assert client.get(reverse("admin:registry_registeredmodel_change", args=[model.pk])).status_code == 200
    assert client.get(reverse("admin:registry_modelversion_change", args=[staged.pk])).status_code == 200
    body = client.get(reverse("admin:registry_promotionrequest_change", args=[promotion.pk])).content.decode()
    assert "gate results" in body.lower() and "model_card" in body
    url = reverse("admin:registry_promotionrequest_changelist") + "?awaiting=me"
    assert client.get(url).status_code == 200


def test_approver_sees_what_awaits_them_in_admin(personas, client, promotion):
    client.force_login(personas.approver)
    body = client.get(reverse("admin:registry_promotionrequest_changelist") + "?awaiting=me").content.decode()
    assert f"#{promotion.pk}" in body or str(promotion) in body
    assert "Approve selected requests" in body


def test_admin_action_approves_with_comment(personas, client, promotion):
    client.force_login(personas.approver)
    url = reverse("admin:registry_promotionrequest_changelist")
    data = {"action": "approve_selected", "_selected_action": [str(promotion.pk)]}
    assert b"Comment" in client.post(url, data).content
    client.post(url, {**data, "confirm": "yes", "comment": "checked in admin"})
    promotion.refresh_from_db()
    assert promotion.status == "applied" and promotion.decisions.get().comment == "checked in admin"
    assert events("promotion.approved")[-1].channel == "admin"


def test_admin_refused_save_is_a_message_not_a_500(personas, client, model):
    client.force_login(personas.outsider)  # staff, can change models by role, but not in the team
    url = reverse("admin:registry_registeredmodel_change", args=[model.pk])
    response = client.post(
        url, {"description": "hijack", "owner": personas.outsider.pk, "risk_tier": "low", "tags": "{}"}
    )
    assert response.status_code in (302, 403)
    model.refresh_from_db()
    assert model.description == ""


def test_admin_model_edit_is_audited(personas, client, model):
    client.force_login(personas.scientist)
    url = reverse("admin:registry_registeredmodel_change", args=[model.pk])
    response = client.post(
        url,
        {
            "description": "via admin",
            "owner": personas.scientist.pk,
            "team": personas.team.pk,
            "risk_tier": "low",
            "tags": "{}",
            "business_goal": "",
            "success_kpi": "",
        },
    )
    assert response.status_code == 302
    model.refresh_from_db()
    assert model.description == "via admin"
    updated = events("model.updated")[-1]
    assert updated.channel == "admin" and updated.after["description"] == "via admin"


def test_admin_lowering_risk_tier_refused_with_message(personas, client, high_model):
    client.force_login(personas.scientist)
    url = reverse("admin:registry_registeredmodel_change", args=[high_model.pk])
    response = client.post(
        url,
        {
            "description": "",
            "owner": personas.scientist.pk,
            "team": personas.team.pk,
            "risk_tier": "low",
            "tags": "{}",
            "business_goal": "",
            "success_kpi": "",
        },
        follow=True,
    )
    assert response.status_code == 200 and "administrator" in response.content.decode()
    high_model.refresh_from_db()
    assert high_model.risk_tier == "high"


def test_audit_admin_is_read_only(personas, client, model):
    client.force_login(personas.admin)
    event = events()[0]
    assert client.get(reverse("admin:registry_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:registry_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403


def test_demo_seed_trains_and_promotes(personas, django_user_model):
    from mlops_gov.roles import ROLE_APPROVER, ROLE_DATA_SCIENTIST, ROLE_ML_ENGINEER
    from registry import demo
    from registry.models import ModelVersion, RegisteredModel
    from tests.fixtures.personas import make_user

    make_user("dana", ROLE_DATA_SCIENTIST), make_user("eli", ROLE_ML_ENGINEER), make_user("ava", ROLE_APPROVER)
    lines = []

    class Out:
        def write(self, text):
            lines.append(text)

    demo.seed(Out())
    bc = RegisteredModel.objects.get(name="breast-cancer-screening")
    assert bc.versions.get(stage="production").version == 3
    assert RegisteredModel.objects.get(name="wine-quality-classifier").versions.get(stage="staging").version == 3
    assert RegisteredModel.objects.get(name="diabetes-progression").versions.get(stage="staging").version == 2
    v = ModelVersion.objects.get(model=bc, version=3)
    assert 0.8 < v.metrics["accuracy"] <= 1.0 and v.parameters
    assert any("applied" in line for line in lines)


def test_admin_team_membership_change_is_audited(personas, client):
    client.force_login(personas.admin)
    url = reverse("admin:registry_team_change", args=[personas.team.pk])
    members = [personas.scientist.pk, personas.outsider.pk]
    response = client.post(url, {"name": "Risk models", "members": members})
    assert response.status_code == 302
    event = events("team.updated")[-1]
    assert event.after["members"] == sorted(members) and personas.engineer.pk in event.before["members"]
    assert event.actor_name == "root" and event.channel == "admin"
