"""An approval approves evidence (issue #13, holes 1, 7 and 11): approvals bind to the gate results and the ids of
what they judged; new evidence voids them; approvals are refused while a gate fails; approvers are independent of the
model's team where the tier's policy says so; a protected alias is never held without approval."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assessments import builtin
from assessments import services as assessment_services
from assessments.models import Framework
from mlops_gov.errors import ConflictError, PermissionError_
from registry import services
from registry.models import Approval, ModelAlias
from tests.registry.factories import events, make_model, make_version, set_policy


def _submit_assessment(model, actor, value: float):
    framework = Framework.objects.get(slug="lifecycle", is_current=True)
    assessment = assessment_services.assessment_create(model=model, actor=actor, framework_slug="lifecycle")
    answers = [{"question": qid, "value": value} for qid in framework.questions()]
    assessment_services.answers_save(assessment=assessment, actor=actor, answers=answers)
    return assessment_services.assessment_submit(assessment=assessment, actor=actor)


def test_requester_cannot_swap_in_passing_evidence_after_approvals(personas, api):
    """The attack of the issue: gates fail, approvers approve anyway, the requester submits a perfect assessment and
    re-checks. Before the fix the version went to production on evidence no approver saw."""
    builtin.load()
    set_policy("high", required_gates=["model_card", "metrics", "maturity"], approvals_required=2)
    model = make_model(personas, name="fraud", risk_tier="high")
    version = make_version(personas, model)
    _submit_assessment(model, personas.scientist, 0.0)
    promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="go")
    assert not promotion.gates_passed
    for approver in (personas.approver, personas.approver2):
        response = api(approver).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {"comment": "ok"})
        assert response.status_code == 409, response.content
        assert "Gates fail (maturity)" in response.json()["detail"]
    _submit_assessment(model, personas.scientist, 1.0)
    response = api(personas.scientist).post(f"/api/v1/promotion-requests/{promotion.pk}/recheck/", {})
    assert response.status_code == 200
    assert response.json()["status"] == "open" and response.json()["gates_passed"] is True
    version.refresh_from_db()
    assert version.stage == "staging"
    assert not Approval.objects.filter(request=promotion).exists()
    changed = events("promotion.evidence_changed")
    assert len(changed) == 1 and changed[0].after["approvals_voided"] == 0
    maturity = next(g for g in changed[0].after["gates"] if g["name"] == "maturity")
    assert maturity["passed"] and "assessment" in maturity["evidence"]


def test_new_evidence_after_an_approval_voids_it(personas, api):
    """Approvals on passing evidence stop counting when the evidence changes (here a model-card revision)."""
    set_policy("high", required_gates=["model_card", "metrics"], approvals_required=2)
    model = make_model(personas, name="fraud", risk_tier="high")
    version = make_version(personas, model)
    promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="go")
    card_before = next(g for g in promotion.gate_results if g["name"] == "model_card")["evidence"]
    services.promotion_decide(request=promotion, actor=personas.approver, decision="approve")
    services.card_update(version=version, actor=personas.scientist, caveats="Rewritten after the approval.")
    with pytest.raises(ConflictError, match=r"evidence .* changed"):
        services.promotion_decide(request=promotion, actor=personas.approver2, decision="approve")
    promotion.refresh_from_db()
    card_after = next(g for g in promotion.gate_results if g["name"] == "model_card")["evidence"]
    assert card_after["card_revision"] == card_before["card_revision"] + 1
    assert events("promotion.evidence_changed")[-1].after["approvals_voided"] == 1
    # The second approval on the new evidence does not complete the request: the first one was voided.
    services.promotion_decide(request=promotion, actor=personas.approver2, decision="approve")
    promotion.refresh_from_db()
    assert promotion.status == "open"
    version.refresh_from_db()
    assert version.stage == "staging"
    # The first approver reviews the new evidence and approves again: now it applies.
    services.promotion_decide(request=promotion, actor=personas.approver, decision="approve")
    promotion.refresh_from_db()
    assert promotion.status == "applied"
    hashes = set(promotion.decisions.values_list("evidence_hash", flat=True))
    assert len(hashes) == 2 and promotion.evidence_hash in hashes
    assert events("promotion.applied")[-1].after["evidence_hash"] == promotion.evidence_hash


def test_approval_refused_when_the_page_shown_is_stale(personas, staged):
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    with pytest.raises(ConflictError, match="changed since"):
        services.promotion_decide(
            request=promotion, actor=personas.approver, decision="approve", evidence_hash="0" * 64
        )
    services.promotion_decide(
        request=promotion, actor=personas.approver, decision="approve", evidence_hash=promotion.evidence_hash
    )
    promotion.refresh_from_db()
    assert promotion.status == "applied"


def test_rejection_stays_possible_while_gates_fail(personas, api, staged):
    set_policy("low", metric_thresholds={"accuracy": {"min": 0.99}})
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    response = api(personas.approver).post(f"/api/v1/promotion-requests/{promotion.pk}/reject/", {"comment": "no"})
    assert response.status_code == 200 and response.json()["status"] == "rejected"


# --- independence by risk tier (hole 11) ----------------------------------------------------------------------------


def test_high_tier_needs_an_approver_from_outside_the_team(personas, api):
    set_policy("high", required_gates=["model_card"], approvals_required=1)
    model = make_model(personas, name="fraud", risk_tier="high")
    version = make_version(personas, model)
    promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="go")
    # "dual" is an approver and a member of the model's team: refused on every route, and the refusal is audited.
    response = api(personas.scientist_approver).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.status_code == 403 and "Independence rule" in response.json()["detail"]
    with pytest.raises(PermissionError_, match="Independence rule"):
        services.promotion_decide(request=promotion, actor=personas.scientist_approver, decision="approve")
    refusals = events("promotion.decision_refused", actor_name="dual")
    assert len(refusals) == 2 and "independence" in refusals[-1].after["reason"]
    assert not promotion.decisions.exists()
    response = api(personas.approver).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    assert response.json()["status"] == "applied"


def test_low_tier_lets_a_teammate_approve(personas, staged):
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    services.promotion_decide(request=promotion, actor=personas.scientist_approver, decision="approve")
    promotion.refresh_from_db()
    assert promotion.status == "applied"


def test_the_owner_is_not_independent_either(personas):
    set_policy("high", required_gates=["model_card"], approvals_required=1)
    model = make_model(personas, name="fraud", risk_tier="high")
    version = make_version(personas, model)
    services.model_update(model=model, actor=personas.admin, owner=personas.approver3)
    promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="go")
    with pytest.raises(PermissionError_, match="Independence rule"):
        services.promotion_decide(request=promotion, actor=personas.approver3, decision="approve")
    services.promotion_decide(request=promotion, actor=personas.approver, decision="approve")
    promotion.refresh_from_db()
    assert promotion.status == "applied"


# --- protected aliases (hole 7) ---------------------------------------------------------------------------------------


def test_raising_the_tier_drops_an_unapproved_alias_that_is_now_protected(personas, api, model, staged):
    services.alias_set(model=model, alias="champion", version=staged, actor=personas.scientist)
    services.alias_set(model=model, alias="candidate", version=staged, actor=personas.scientist)
    response = api(personas.scientist).patch(f"/api/v1/models/{model.name}/", {"risk_tier": "high"})
    assert response.status_code == 200
    assert list(ModelAlias.objects.filter(model=model).values_list("alias", flat=True)) == ["candidate"]
    dropped = events("alias.deleted")
    assert len(dropped) == 1 and dropped[0].before == {"alias": "champion", "version": staged.version}
    assert "now protected" in dropped[0].after["reason"] and dropped[0].actor_name == "sam"


def test_a_policy_that_protects_a_new_alias_drops_the_unapproved_holders(personas, model, staged):
    services.alias_set(model=model, alias="prod", version=staged, actor=personas.scientist)
    policy = set_policy("low")
    services.policy_update(policy=policy, actor=personas.admin, protected_aliases=["prod"])
    assert not ModelAlias.objects.filter(model=model).exists()
    assert events("alias.deleted")[-1].after["reason"].startswith("now protected (policy of risk tier low)")


def test_deleting_a_version_records_the_removal_of_its_aliases(personas, model):
    version = make_version(personas, model, stage="none")
    services.alias_set(model=model, alias="candidate", version=version, actor=personas.scientist)
    services.version_delete(version=version, actor=personas.scientist)
    dropped = events("alias.deleted")
    assert len(dropped) == 1 and dropped[0].before == {"alias": "candidate", "version": version.version}
    assert dropped[0].sequence < events("version.deleted")[-1].sequence


# --- no-op writes leave no event (hole 5) ---------------------------------------------------------------------------


def test_a_no_op_patch_writes_no_event(personas, api, model, staged):
    url = f"/api/v1/models/{model.name}/versions/{staged.version}/"
    before = len(events())
    assert api(personas.scientist).patch(url, {"description": staged.description}).status_code == 200
    assert api(personas.scientist).patch(f"/api/v1/models/{model.name}/", {"risk_tier": "low"}).status_code == 200
    services.card_update(version=staged, actor=personas.scientist, intended_use=staged.card.intended_use)
    assert len(events()) == before
    assert api(personas.scientist).patch(url, {"description": "changed"}).status_code == 200
    assert [e.action for e in events()[before:]] == ["version.updated"]


def test_request_page_shows_the_rules_and_refuses_a_stale_approval(personas, client):
    set_policy("high", required_gates=["model_card"], approvals_required=2)
    model = make_model(personas, name="fraud", risk_tier="high")
    version = make_version(personas, model)
    promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="go")
    client.force_login(personas.approver)
    url = reverse("registry:request-detail", args=[promotion.pk])
    page = client.get(url).content.decode()
    assert "approvers must come from outside the model's owner and team" in page
    assert f'name="evidence_hash" value="{promotion.evidence_hash}"' in page
    shown = promotion.evidence_hash
    services.card_update(version=version, actor=personas.scientist, caveats="Changed while the page was open.")
    response = client.post(
        reverse("registry:request-decide", args=[promotion.pk]),
        {"decision": "approve", "evidence_hash": shown},
        follow=True,
    )
    assert "changed since its gate results were shown" in response.content.decode()
    assert not promotion.decisions.exists()
    page = client.get(url).content.decode()
    promotion.refresh_from_db()
    assert f'name="evidence_hash" value="{promotion.evidence_hash}"' in page and promotion.evidence_hash != shown
