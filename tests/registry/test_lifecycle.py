"""Lifecycle moves, one production version per model, history as of any time, protected aliases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mlops_gov.errors import ConflictError, PermissionError_
from registry import selectors, services
from registry.models import ModelVersion, StageTransition
from tests.registry.factories import events, make_version, set_policy


def _promote(personas, version, approvers=None):
    promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="go")
    for approver in approvers or [personas.approver]:
        services.promotion_decide(request=promotion, actor=approver, decision="approve")
    promotion.refresh_from_db()
    version.refresh_from_db()
    return promotion


@pytest.mark.parametrize(
    "current,target,allowed",
    [
        ("none", "production", "staging, archived"),
        ("staging", "none", "production, archived"),
        ("archived", "production", "staging"),
        ("archived", "none", "staging"),
    ],
)
def test_invalid_move_names_allowed_moves(personas, api, model, current, target, allowed):
    version = make_version(personas, model, stage="none")
    if current == "staging":
        services.version_transition(version=version, target="staging", actor=personas.scientist)
    if current == "archived":
        services.version_transition(version=version, target="archived", actor=personas.scientist)
    response = api(personas.scientist).post(
        f"/api/v1/models/{model.name}/versions/{version.version}/stage/", {"stage": target}
    )
    assert response.status_code == 409
    assert f"allowed from {current}: {allowed}" in response.json()["detail"]
    version.refresh_from_db()
    assert version.stage == current


def test_direct_move_to_production_needs_a_request(personas, api, staged):
    response = api(personas.scientist).post(
        f"/api/v1/models/{staged.model.name}/versions/{staged.version}/stage/", {"stage": "production"}
    )
    assert response.status_code == 403 and "promotion request" in response.json()["detail"]


def test_unknown_stage_is_400(personas, api, staged):
    url = f"/api/v1/models/{staged.model.name}/versions/{staged.version}/stage/"
    assert api(personas.scientist).post(url, {"stage": "prod"}).status_code == 400


def test_promotion_archives_previous_production_in_one_transaction(personas, model):
    v1 = make_version(personas, model)
    _promote(personas, v1)
    assert v1.stage == "production"
    v2 = make_version(personas, model)
    promotion = _promote(personas, v2)
    v1.refresh_from_db()
    assert (v1.stage, v2.stage, promotion.status) == ("archived", "production", "applied")
    moves = events("version.stage_changed", model_id=model.pk)
    replaced = [e for e in moves if e.after.get("reason") == "replaced"]
    assert len(replaced) == 1 and replaced[0].after["promotion_request"] == promotion.pk
    assert ModelVersion.objects.filter(model=model, stage="production").count() == 1


def test_database_refuses_two_production_versions(personas, model):
    v1, v2 = make_version(personas, model), make_version(personas, model)
    ModelVersion.objects.filter(pk=v1.pk).update(stage="production")
    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=v2.pk).update(stage="production")


def test_rollback_candidate_archived_to_staging_to_production(personas, model):
    v1 = make_version(personas, model)
    _promote(personas, v1)
    v2 = make_version(personas, model)
    _promote(personas, v2)
    v1.refresh_from_db()
    services.version_transition(version=v1, target="staging", actor=personas.scientist)
    _promote(personas, v1)
    v2.refresh_from_db()
    assert (v1.stage, v2.stage) == ("production", "archived")


def test_history_as_of(personas, api, client, model):
    v1 = make_version(personas, model)
    p1 = _promote(personas, v1)
    StageTransition.objects.filter(version=v1, to_stage="production").update(at=timezone.now() - dt.timedelta(days=10))
    middle = timezone.now() - dt.timedelta(days=5)
    v2 = make_version(personas, model)
    p2 = _promote(personas, v2)
    client_api = api(personas.auditor)
    past = client_api.get(f"/api/v1/models/{model.name}/history/", {"as_of": middle.isoformat()}).json()
    assert past["production"]["version"] == 1
    assert past["production"]["moved_by"] == "alice" and past["production"]["promotion_request"] == p1.pk
    now = client_api.get(f"/api/v1/models/{model.name}/history/", {"as_of": timezone.now().isoformat()}).json()
    assert now["production"]["version"] == 2 and now["production"]["promotion_request"] == p2.pk
    before = client_api.get(f"/api/v1/models/{model.name}/history/", {"as_of": "2000-01-01T00:00:00Z"}).json()
    assert before["production"] is None
    naive = client_api.get(f"/api/v1/models/{model.name}/history/", {"as_of": "2999-01-01T00:00:00"})
    assert naive.status_code == 200 and naive.json()["production"]["version"] == 2
    for bad in ["", "yesterday", "2026-13-45T00:00:00Z", "2026-02-30T10:00:00Z"]:
        response = client_api.get(f"/api/v1/models/{model.name}/history/", {"as_of": bad})
        assert response.status_code == 400, bad
        assert "as_of" in response.json()
    assert client_api.get("/api/v1/models/nope/history/", {"as_of": "2026-01-01T00:00:00Z"}).status_code == 404
    client.force_login(personas.auditor)
    page = client.get(reverse("registry:model-detail", args=[model.name]), {"as_of": middle.strftime("%Y-%m-%dT%H:%M")})
    body = page.content.decode()
    assert 'data-testid="as-of"' in body and "v1 was in production" in body and f"request #{p1.pk}" in body


def test_history_as_of_alias(personas, api, model):
    v1, v2 = make_version(personas, model), make_version(personas, model)
    services.alias_set(model=model, alias="challenger", version=v1, actor=personas.scientist)
    StageTransition.objects.filter(alias="challenger").update(at=timezone.now() - dt.timedelta(days=3))
    services.alias_set(model=model, alias="challenger", version=v2, actor=personas.engineer)
    then = (timezone.now() - dt.timedelta(days=1)).isoformat()
    body = api(personas.scientist).get(f"/api/v1/models/{model.name}/history/", {"as_of": then}).json()
    assert body["aliases"]["challenger"]["version"] == 1 and body["aliases"]["challenger"]["moved_by"] == "sam"
    services.alias_delete(model=model, alias="challenger", actor=personas.scientist)
    state = selectors.state_as_of(model, timezone.now())
    assert "challenger" not in state["aliases"]


def test_aliases_unique_per_model_and_validated(personas, api, model):
    v1, v2 = make_version(personas, model), make_version(personas, model)
    client = api(personas.scientist)
    assert client.put(f"/api/v1/models/{model.name}/aliases/challenger/", {"version": 1}).status_code == 200
    assert client.put(f"/api/v1/models/{model.name}/aliases/challenger/", {"version": 2}).status_code == 200
    assert model.aliases.count() == 1 and model.aliases.get().version == v2
    assert client.put(f"/api/v1/models/{model.name}/aliases/Bad%20Alias/", {"version": 1}).status_code == 400
    assert client.put(f"/api/v1/models/{model.name}/aliases/ok/", {"version": 99}).status_code == 404
    assert client.delete(f"/api/v1/models/{model.name}/aliases/missing/").status_code == 404
    assert v1.pk


def test_protected_alias_moves_only_through_approved_request(personas, api, high_model):
    set_policy("high", protected_aliases=["champion"])
    version = make_version(personas, high_model)
    client = api(personas.scientist)
    refused = client.put(f"/api/v1/models/{high_model.name}/aliases/champion/", {"version": version.version})
    assert refused.status_code == 403 and "protected" in refused.json()["detail"]
    assert not high_model.aliases.exists()
    created = client.post(
        "/api/v1/promotion-requests/",
        {
            "model": high_model.name,
            "version": version.version,
            "kind": "alias",
            "alias": "champion",
            "justification": "Beats the current champion.",
        },
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert api(personas.scientist).post(f"/api/v1/promotion-requests/{pk}/approve/", {}).status_code == 403
    assert api(personas.approver).post(f"/api/v1/promotion-requests/{pk}/approve/", {}).json()["status"] == "open"
    assert api(personas.approver2).post(f"/api/v1/promotion-requests/{pk}/approve/", {}).json()["status"] == "applied"
    alias = high_model.aliases.get(alias="champion")
    assert alias.version == version
    state = selectors.state_as_of(high_model, timezone.now())
    assert state["aliases"]["champion"]["promotion_request"] == pk
    assert client.delete(f"/api/v1/models/{high_model.name}/aliases/champion/").status_code == 403
    version.refresh_from_db()
    assert version.stage == "staging"  # an alias request moves the alias, not the stage


def test_alias_request_for_unprotected_alias_is_409(personas, api, model, staged):
    response = api(personas.scientist).post(
        "/api/v1/promotion-requests/",
        {"model": model.name, "version": staged.version, "kind": "alias", "alias": "challenger", "justification": "x"},
    )
    assert response.status_code == 409 and "not protected" in response.json()["detail"]


def test_evidence_frozen_for_open_request_and_production(personas, api, staged):
    services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    url = f"/api/v1/models/{staged.model.name}/versions/{staged.version}/"
    response = api(personas.scientist).patch(url, {"metrics": {"accuracy": 0.99}})
    assert response.status_code == 409 and "open promotion request" in response.json()["detail"]
    assert api(personas.scientist).patch(url, {"description": "notes"}).status_code == 200


def test_lowering_risk_tier_needs_an_administrator(personas, api, high_model):
    response = api(personas.scientist).patch(f"/api/v1/models/{high_model.name}/", {"risk_tier": "low"})
    assert response.status_code == 403
    url = f"/api/v1/models/{high_model.name}/"
    assert api(personas.scientist).patch(url, {"risk_tier": "critical"}).status_code == 200
    assert api(personas.admin).patch(url, {"risk_tier": "low"}).json()["risk_tier"] == "low"
    assert events("model.updated")[-1].after == {"risk_tier": "low"}


def test_version_numbers_and_lineage(personas, api, model):
    client = api(personas.scientist)
    first = client.post(
        f"/api/v1/models/{model.name}/versions/",
        {
            "source_uri": "s3://models/a/model.skops",
            "artifact_sha256": "a" * 64,
            "framework": "scikit-learn",
            "parameters": {"C": 1.0},
            "metrics": {"accuracy": 0.9},
            "input_signature": {"features": ["x"]},
            "training_dataset": "sklearn:wine",
            "code_repository": "https://git.example.org/r",
            "code_commit": "abc123",
            "run_id": "run-1",
        },
    )
    assert first.status_code == 201, first.json()
    second = client.post(
        f"/api/v1/models/{model.name}/versions/", {"source_uri": "s3://models/a/2", "parent_version": 1}
    )
    assert second.json()["version"] == 2 and second.json()["parent_version"] == 1
    assert first.json()["card"]["intended_use"] == ""
    bad = client.post(f"/api/v1/models/{model.name}/versions/", {"source_uri": "s3://m/x", "metrics": {"a": "high"}})
    assert bad.status_code == 400
    bad = client.post(f"/api/v1/models/{model.name}/versions/", {"source_uri": "s3://m/x", "artifact_sha256": "zz"})
    assert bad.status_code == 400
    bad = client.post(f"/api/v1/models/{model.name}/versions/", {"source_uri": "s3://m/x", "parent_version": 9})
    assert bad.status_code == 404


def test_card_round_trip_and_gate(personas, api, model):
    version = make_version(personas, model, card=False, stage="staging")
    url = f"/api/v1/models/{model.name}/versions/{version.version}/card/"
    client = api(personas.scientist)
    assert client.get(url).json()["intended_use"] == ""
    promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="go")
    assert not promotion.gates_passed
    assert "intended_use" in next(g for g in promotion.gate_results if g["name"] == "model_card")["detail"]
    assert client.patch(url, {"intended_use": "Triage support."}).json()["intended_use"] == "Triage support."
    assert api(personas.auditor).patch(url, {"intended_use": "x"}).status_code == 403
    assert client.patch(url, {"unknown": "x"}).status_code in (200, 400)
    assert events("card.updated")


def test_model_delete_rules(personas, api, model, staged):
    services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    # Authoring roles cannot delete models at all; administrators cannot delete promotion evidence.
    assert api(personas.scientist).delete(f"/api/v1/models/{model.name}/").status_code == 403
    assert api(personas.admin).delete(f"/api/v1/models/{model.name}/").status_code == 409
    other = services.model_create(actor=personas.scientist, name="scratch", team=personas.team)
    assert api(personas.outsider).delete("/api/v1/models/scratch/").status_code == 403
    assert api(personas.admin).delete("/api/v1/models/scratch/").status_code == 204
    assert events("model.deleted", object_id=str(other.pk))


def test_services_raise_domain_errors(personas, model, staged):
    with pytest.raises(PermissionError_):
        services.version_transition(version=staged, target="archived", actor=personas.outsider)
    with pytest.raises(ConflictError):
        services.model_create(actor=personas.scientist, name=model.name)
