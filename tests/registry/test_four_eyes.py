"""Four-eyes, by every route: the requester never decides their own promotion request, and every refusal is audited."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from mlops_gov.errors import ConflictError, PermissionError_
from registry import services
from registry.models import Approval, AuditEvent, ModelVersion, PromotionRequest
from tests.registry.factories import events, make_version, set_policy

REFUSED = "promotion.decision_refused"


def _state(promotion):
    promotion.refresh_from_db()
    return (
        promotion.status,
        promotion.decisions.count(),
        ModelVersion.objects.get(pk=promotion.version_id).stage,
        AuditEvent.objects.filter(
            action__in=["promotion.approved", "promotion.rejected", "promotion.applied"], object_id=str(promotion.pk)
        ).count(),
    )


@pytest.fixture
def own_request(personas, staged):
    promotion, created = services.promotion_request_create(
        version=staged, actor=personas.scientist_approver, justification="Better recall on the holdout."
    )
    assert created
    return promotion


def _assert_refused(promotion, before, actor):
    assert _state(promotion) == before == ("open", 0, "staging", 0)
    refusals = events(REFUSED, actor_name=actor.username)
    assert refusals, "the refusal must be audited"
    assert "four-eyes" in refusals[-1].after["reason"]
    assert refusals[-1].object_id == str(promotion.pk)


@pytest.mark.parametrize("verb", ["approve", "reject"])
def test_api_self_decision_refused(personas, api, own_request, verb):
    before = _state(own_request)
    response = api(personas.scientist_approver).post(
        f"/api/v1/promotion-requests/{own_request.pk}/{verb}/", {"comment": "lgtm"}
    )
    assert response.status_code == 403
    assert "Four-eyes" in response.json()["detail"]
    _assert_refused(own_request, before, personas.scientist_approver)


@pytest.mark.parametrize("verb", ["approve", "reject"])
def test_page_post_self_decision_refused(personas, client, own_request, verb):
    before = _state(own_request)
    client.force_login(personas.scientist_approver)
    url = reverse("registry:request-decide", args=[own_request.pk])
    response = client.post(url, {"decision": verb, "comment": "mine"}, follow=True)
    assert response.status_code == 400  # the request page again, the reason beside the form
    assert "Four-eyes" in response.content.decode()
    _assert_refused(own_request, before, personas.scientist_approver)


def test_request_page_hides_decision_form_from_requester(personas, client, own_request):
    client.force_login(personas.scientist_approver)
    body = client.get(reverse("registry:request-detail", args=[own_request.pk])).content.decode()
    assert "Your decision" not in body and "four-eyes means someone else" in body
    client.force_login(personas.approver)
    body = client.get(reverse("registry:request-detail", args=[own_request.pk])).content.decode()
    assert "Your decision" in body


def _admin_action(client, action, ids, comment="ok"):
    url = reverse("admin:registry_promotionrequest_changelist")
    data = {"action": action, "_selected_action": [str(i) for i in ids]}
    confirm = client.post(url, data)
    assert confirm.status_code == 200 and b"Yes," in confirm.content  # the confirmation page with a comment box
    return client.post(url, {**data, "confirm": "yes", "comment": comment}, follow=True)


@pytest.mark.parametrize("action", ["approve_selected", "reject_selected"])
def test_admin_single_action_self_decision_refused(personas, client, own_request, action):
    before = _state(own_request)
    client.force_login(personas.scientist_approver)
    response = _admin_action(client, action, [own_request.pk])
    assert "Four-eyes" in response.content.decode()
    _assert_refused(own_request, before, personas.scientist_approver)


def test_admin_bulk_action_refuses_own_and_decides_others(personas, client, own_request, model):
    other_version = make_version(personas, model)
    others, _ = services.promotion_request_create(
        version=other_version, actor=personas.scientist, justification="Someone else's request."
    )
    before = _state(own_request)
    client.force_login(personas.scientist_approver)
    response = _admin_action(client, "approve_selected", [own_request.pk, others.pk])
    body = response.content.decode()
    assert "Four-eyes" in body and "Approved 1 request" in body
    _assert_refused(own_request, before, personas.scientist_approver)
    others.refresh_from_db()
    assert others.status == "applied"  # low risk: one approval; the other request went through
    assert Approval.objects.filter(request=own_request).count() == 0


def test_superuser_requester_cannot_approve_own(personas, api, staged):
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.admin, justification="admin")
    response = api(personas.admin).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.status_code == 403
    assert _state(promotion)[:3] == ("open", 0, "staging")
    assert events(REFUSED, actor_name="root")


def test_service_refuses_self_decision_directly(personas, own_request):
    with pytest.raises(PermissionError_, match="Four-eyes"):
        services.promotion_decide(request=own_request, actor=personas.scientist_approver, decision="approve")
    assert own_request.decisions.count() == 0 and events(REFUSED)


def test_database_constraint_refuses_self_approval(personas, own_request):
    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.create(
            request=own_request,
            approver=personas.scientist_approver,
            requester=personas.scientist_approver,
            decision="approve",
        )


def test_policy_lowered_mid_request_does_not_lower_the_bar(personas, api, high_model):
    version = make_version(personas, high_model)
    promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="go")
    assert promotion.approvals_required == 2
    set_policy("high", approvals_required=1)
    # The policy is part of the evidence: the first approval after its change is refused until the new gate results
    # have been shown (the request now carries them).
    response = api(personas.approver).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.status_code == 409 and "evidence" in response.json()["detail"]
    response = api(personas.approver).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.status_code == 200
    assert response.json()["status"] == "open"
    version.refresh_from_db()
    assert version.stage == "staging"
    # The requester still cannot supply the second approval, whatever the policy now says.
    response = api(personas.scientist).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.status_code == 403
    # Neither can the same approver vote twice.
    response = api(personas.approver).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.status_code == 409
    response = api(personas.approver2).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.json()["status"] == "applied"
    version.refresh_from_db()
    assert version.stage == "production"


def test_policy_raised_mid_request_raises_the_bar(personas, api, model, staged):
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    set_policy("low", approvals_required=2)
    # The changed policy is new evidence: a re-check puts its gate results on the request before anyone decides.
    services.promotion_recheck(request=promotion, actor=personas.scientist)
    api(personas.approver).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    promotion.refresh_from_db()
    assert promotion.status == "open"
    api(personas.approver2).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    promotion.refresh_from_db()
    assert promotion.status == "applied"


def test_policy_edit_by_admin_cannot_enable_self_approval(personas, client, own_request):
    """An administrator edits the policy through the admin (audited); the requester is still refused."""
    from registry.models import PromotionPolicy

    client.force_login(personas.admin)
    policy = PromotionPolicy.objects.get(risk_tier="low")
    url = reverse("admin:registry_promotionpolicy_change", args=[policy.pk])
    form = {
        "approvals_required": 1,
        "required_gates": "[]",
        "maturity_framework": "lifecycle",
        "min_maturity_score": 0,
        "max_assessment_age_days": 365,
        "max_drift_check_age_days": 30,
        "required_card_fields": "[]",
        "metric_thresholds": "{}",
        "protected_aliases": "[]",
        "independence": "none",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert events("policy.updated")
    with pytest.raises(PermissionError_):
        services.promotion_decide(request=own_request, actor=personas.scientist_approver, decision="approve")
    assert _state(own_request)[:3] == ("open", 0, "staging")


def test_non_approver_refused_and_audited(personas, api, staged):
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    response = api(personas.engineer).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.status_code == 403
    assert events(REFUSED, actor_name="eve")[-1].after["reason"] == "not an approver"


def test_rejection_closes_and_later_decisions_conflict(personas, api, staged):
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    response = api(personas.approver).post(f"/api/v1/promotion-requests/{promotion.pk}/reject/", {"comment": "no"})
    assert response.json()["status"] == "rejected"
    response = api(personas.approver2).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.status_code == 409
    staged.refresh_from_db()
    assert staged.stage == "staging"


def test_withdraw_only_by_requester(personas, api, staged):
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    assert api(personas.engineer).post(f"/api/v1/promotion-requests/{promotion.pk}/withdraw/", {}).status_code == 403
    response = api(personas.scientist).post(f"/api/v1/promotion-requests/{promotion.pk}/withdraw/", {"note": "oops"})
    assert response.json()["status"] == "withdrawn"
    assert api(personas.approver).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {}).status_code == 409
    assert events("promotion.withdrawn")


def test_gates_rechecked_at_decision_time(personas, api, staged):
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    assert promotion.gates_passed
    set_policy("low", metric_thresholds={"accuracy": {"min": 0.99}})
    response = api(personas.approver).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.status_code == 409 and "evidence" in response.json()["detail"]
    body = api(personas.approver).get(f"/api/v1/promotion-requests/{promotion.pk}/").json()
    assert body["status"] == "open" and body["gates_passed"] is False
    assert any(g["name"] == "metrics" and not g["passed"] and "0.91" in g["detail"] for g in body["gate_results"])
    assert events("promotion.evidence_changed")
    # While a gate fails, an approval is refused (a rejection is not).
    response = api(personas.approver).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.status_code == 409 and "Gates fail (metrics)" in response.json()["detail"]
    assert not promotion.decisions.exists()
    set_policy("low", metric_thresholds={"accuracy": {"min": 0.9}})
    response = api(personas.scientist).post(f"/api/v1/promotion-requests/{promotion.pk}/recheck/", {})
    assert response.json()["status"] == "open" and response.json()["gates_passed"] is True
    response = api(personas.approver).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.json()["status"] == "applied"
    staged.refresh_from_db()
    assert staged.stage == "production"


def test_recheck_refused_for_auditor(personas, api, staged):
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    assert api(personas.auditor).post(f"/api/v1/promotion-requests/{promotion.pk}/recheck/", {}).status_code == 403


def test_missing_gate_fails_with_reason_never_skipped(personas, staged):
    set_policy("low", required_gates=["model_card", "not-installed"])
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    assert not promotion.gates_passed
    failing = next(g for g in promotion.gate_results if g["name"] == "not-installed")
    assert not failing["passed"] and "No gate named" in failing["detail"]
    with pytest.raises(ConflictError, match="Gates fail"):
        services.promotion_decide(request=promotion, actor=personas.approver, decision="approve")
    promotion.refresh_from_db()
    assert promotion.status == "open" and not promotion.decisions.exists()


def test_pluggable_gate_receives_version_and_policy(personas, staged):
    from registry import gates

    seen = {}

    def fake(version, policy):
        seen["args"] = (version.pk, policy.risk_tier)
        return gates.GateResult("fake", True, "ok")

    gates.register_gate("fake", fake)
    try:
        set_policy("low", required_gates=["fake"])
        promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    finally:
        gates._GATES.pop("fake", None)
    assert seen["args"] == (staged.pk, "low") and promotion.gates_passed


def test_broken_gate_fails_closed(personas, staged):
    from registry import gates

    def broken(version, policy):
        raise RuntimeError("boom")

    gates.register_gate("broken", broken)
    try:
        set_policy("low", required_gates=["broken"])
        promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    finally:
        gates._GATES.pop("broken", None)
    assert not promotion.gates_passed and "RuntimeError" in promotion.gate_results[0]["detail"]


def test_duplicate_request_returns_the_open_one(personas, api, staged):
    body = {"model": staged.model.name, "version": staged.version, "justification": "go"}
    first = api(personas.scientist).post("/api/v1/promotion-requests/", body)
    second = api(personas.scientist).post("/api/v1/promotion-requests/", body)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert PromotionRequest.objects.count() == 1


def test_conflict_error_is_domain_error():
    assert issubclass(ConflictError, Exception)
