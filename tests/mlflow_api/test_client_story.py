"""The real MLflow client (mlflow-skinny) against a live mlops-gov server: one registry, two doors, governance holds."""

from __future__ import annotations

import re
import warnings

import pytest
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException, RestException
from rest_framework.authtoken.models import Token

from registry.choices import MODEL_CARD_FIELDS
from registry.models import AuditEvent, ModelVersion, PromotionPolicy, PromotionRequest, RegisteredModel

FULL_CARD = {name: f"{name.replace('_', ' ')} text" for name in MODEL_CARD_FIELDS}


@pytest.fixture
def mlflow_env(monkeypatch):
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "30")
    monkeypatch.delenv("MLFLOW_TRACKING_USERNAME", raising=False)
    monkeypatch.delenv("MLFLOW_TRACKING_PASSWORD", raising=False)
    return monkeypatch


def client_for(live_server, mlflow_env, user) -> MlflowClient:
    token, _ = Token.objects.get_or_create(user=user)
    mlflow_env.setenv("MLFLOW_TRACKING_TOKEN", token.key)
    return MlflowClient(tracking_uri=live_server.url, registry_uri=live_server.url)


def _transition(client, name, version, stage, archive=False):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return client.transition_model_version_stage(name, version, stage, archive_existing_versions=archive)


@pytest.mark.django_db(transaction=True)
def test_full_story_through_the_stock_client(personas, api, live_server, mlflow_env):
    sam = personas.scientist
    client = client_for(live_server, mlflow_env, sam)

    created = client.create_registered_model("fraud-detector", tags={"team": "risk"}, description="Card fraud.")
    assert created.name == "fraud-detector"
    assert created.tags == {"team": "risk"}
    model = RegisteredModel.objects.get(name="fraud-detector")
    assert model.owner == sam and model.team == personas.team and model.risk_tier == "medium"
    assert model.tags == {"team": "risk"}

    v1 = client.create_model_version("fraud-detector", "s3://models/fraud/1", tags={"framework": "sklearn"})
    v2 = client.create_model_version("fraud-detector", "s3://models/fraud/2", run_id="run-2", description="Retrained")
    assert (v1.version, v2.version) == ("1", "2")
    assert v1.status == "READY" and v1.current_stage == "None" and v1.tags == {"framework": "sklearn"}
    assert v2.run_id == "run-2" and v2.description == "Retrained"

    client.set_model_version_tag("fraud-detector", "2", "validated", True)
    client.set_registered_model_tag("fraud-detector", "domain", "payments")
    client.set_registered_model_alias("fraud-detector", "candidate", "2")
    by_alias = client.get_model_version_by_alias("fraud-detector", "candidate")
    assert by_alias.version == "2" and by_alias.aliases == ["candidate"] and by_alias.tags["validated"] == "True"

    found = client.search_registered_models(filter_string="name LIKE 'fraud%'")
    assert [m.name for m in found] == ["fraud-detector"]
    assert found[0].tags == {"team": "risk", "domain": "payments"}
    assert found[0].aliases == {"candidate": "2"}
    assert [m.name for m in client.search_registered_models(filter_string="tag.`domain` = 'payments'")] == [
        "fraud-detector"
    ]
    assert client.search_registered_models(filter_string="name = 'nothing'") == []
    versions = client.search_model_versions("name='fraud-detector'")
    assert [v.version for v in versions] == ["2", "1"]
    assert client.get_model_version_download_uri("fraud-detector", "1") == "s3://models/fraud/1"

    # Staging is a direct move; the audit records sam, through the MLflow door (its own channel).
    staged = _transition(client, "fraud-detector", "2", "staging")
    assert staged.current_stage == "Staging"
    moved = AuditEvent.objects.filter(action="version.stage_changed").latest("sequence")
    assert (moved.actor_name, moved.channel, moved.after["stage"]) == ("sam", "mlflow", "staging")

    # Evidence the gates ask for, filled in through the native API; the policy stays as shipped for this tier.
    assert api(sam).patch("/api/v1/models/fraud-detector/versions/2/card/", FULL_CARD).status_code == 200
    PromotionPolicy.objects.filter(risk_tier="medium").update(required_gates=["model_card", "metrics"])

    # Production is held: the client gets an error naming the request and where to approve it.
    with pytest.raises(RestException) as held:
        _transition(client, "fraud-detector", "2", "Production")
    assert held.value.error_code == "PERMISSION_DENIED"
    request = PromotionRequest.objects.get(version__model__name="fraud-detector", status="open")
    message = str(held.value)
    assert f"#{request.pk}" in message and f"/models/requests/{request.pk}/" in message
    assert "NOT moved" in message
    assert request.requested_by == sam and request.justification == "Requested through the MLflow API"
    assert client.get_model_version("fraud-detector", "2").current_stage == "Staging"
    # Asking again joins the same request instead of opening a second one.
    with pytest.raises(RestException, match=rf"#{request.pk} is already open"):
        _transition(client, "fraud-detector", "2", "Production")
    assert PromotionRequest.objects.filter(version__model__name="fraud-detector").count() == 1
    requested = AuditEvent.objects.get(action="promotion.requested")
    assert (requested.actor_name, requested.channel) == ("sam", "mlflow")

    # An approver decides through the native API; the client then reads the new stage.
    response = api(personas.approver).post(f"/api/v1/promotion-requests/{request.pk}/approve/", {"comment": "ok"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "applied"
    assert client.get_model_version("fraud-detector", "2").current_stage == "Production"
    latest = {v.current_stage: v.version for v in client.get_registered_model("fraud-detector").latest_versions}
    assert latest == {"Production": "2", "None": "1"}
    assert [v.version for v in client.get_latest_versions("fraud-detector", stages=["Production"])] == ["2"]

    # Deleting evidence is refused with an MLflow error, never a 500.
    with pytest.raises(RestException) as refused:
        client.delete_model_version("fraud-detector", "2")
    assert refused.value.error_code == "PERMISSION_DENIED"  # roles cannot delete; the admin could not either
    admin_client = client_for(live_server, mlflow_env, personas.admin)
    with pytest.raises(RestException) as conflict:
        admin_client.delete_model_version("fraud-detector", "2")
    assert conflict.value.error_code == "INVALID_STATE" and "production" in str(conflict.value)
    assert ModelVersion.objects.filter(model__name="fraud-detector").count() == 2


@pytest.mark.django_db(transaction=True)
def test_protected_alias_is_held_for_approval(personas, api, live_server, mlflow_env):
    PromotionPolicy.objects.filter(risk_tier="high").update(required_gates=[], approvals_required=2)
    model = RegisteredModel.objects.create(
        name="sepsis", owner=personas.scientist, team=personas.team, risk_tier="high"
    )
    client = client_for(live_server, mlflow_env, personas.scientist)
    client.create_model_version("sepsis", "s3://models/sepsis/1")
    client.set_registered_model_alias("sepsis", "shadow", "1")  # not protected: direct
    with pytest.raises(RestException) as held:
        client.set_registered_model_alias("sepsis", "champion", "1")
    assert held.value.error_code == "PERMISSION_DENIED"
    request = PromotionRequest.objects.get(version__model=model, kind="alias", alias="champion")
    assert re.search(rf"#{request.pk}\b", str(held.value)) and "2 approval(s)" in str(held.value)
    with pytest.raises(RestException) as missing:
        client.get_model_version_by_alias("sepsis", "champion")
    assert missing.value.error_code == "INVALID_PARAMETER_VALUE"
    for approver in (personas.approver, personas.approver2):
        assert api(approver).post(f"/api/v1/promotion-requests/{request.pk}/approve/", {}).status_code == 200
    assert client.get_model_version_by_alias("sepsis", "champion").aliases == ["champion", "shadow"]
    # Removing a protected alias is refused too.
    with pytest.raises(RestException, match="protected"):
        client.delete_registered_model_alias("sepsis", "champion")


@pytest.mark.django_db(transaction=True)
def test_authentication(personas, live_server, mlflow_env):
    import requests

    url = f"{live_server.url}/api/2.0/mlflow/registered-models/search"
    anonymous = requests.get(url, timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["error_code"] == "UNAUTHENTICATED"
    bad = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert (bad.status_code, bad.json()["error_code"]) == (401, "UNAUTHENTICATED")

    # HTTP basic auth, as MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD send it.
    personas.scientist.set_password("a-long-test-password-1")
    personas.scientist.save()
    mlflow_env.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    mlflow_env.setenv("MLFLOW_TRACKING_USERNAME", "sam")
    mlflow_env.setenv("MLFLOW_TRACKING_PASSWORD", "a-long-test-password-1")
    client = MlflowClient(tracking_uri=live_server.url, registry_uri=live_server.url)
    assert client.create_registered_model("basic-auth-model").name == "basic-auth-model"
    mlflow_env.setenv("MLFLOW_TRACKING_PASSWORD", "wrong")
    with pytest.raises(MlflowException):
        MlflowClient(tracking_uri=live_server.url, registry_uri=live_server.url).get_registered_model("x")

    # A role without write permission reads but cannot register.
    auditor = client_for(live_server, mlflow_env, personas.auditor)
    mlflow_env.delenv("MLFLOW_TRACKING_USERNAME")
    mlflow_env.delenv("MLFLOW_TRACKING_PASSWORD")
    assert [m.name for m in auditor.search_registered_models()] == ["basic-auth-model"]
    with pytest.raises(RestException) as denied:
        auditor.create_registered_model("auditor-model")
    assert denied.value.error_code == "PERMISSION_DENIED"
