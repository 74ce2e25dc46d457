"""Registry authoring pages: each write goes through the service the API uses, leaves the same audit event, and a
refused write keeps what was typed and says what to change."""

from __future__ import annotations

import pytest
from django.urls import reverse

from registry.models import ModelAlias, ModelVersion, PromotionRequest, RegisteredModel
from tests.registry.factories import FULL_CARD, events, make_model, make_version, set_policy

pytestmark = pytest.mark.django_db


def _post_model(client, **overrides):
    data = {
        "name": "credit-scoring",
        "team": "",
        "risk_tier": "medium",
        "description": "Scores loan applications.",
        "business_goal": "Fewer defaults",
        "success_kpi": "Default rate below 2%",
        "tags-key": ["domain", "owner-unit", ""],
        "tags-value": ["lending", "retail", ""],
    }
    data.update(overrides)
    return client.post(reverse("registry:model-create"), data)


def _last(action: str):
    found = events(action)
    assert found, f"no {action} event"
    return found[-1]


def test_register_a_model_through_the_page(personas, client):
    client.force_login(personas.scientist)
    assert client.get(reverse("registry:model-create")).status_code == 200
    response = _post_model(client, team=str(personas.team.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:version-create", args=["credit-scoring"])
    model = RegisteredModel.objects.get(name="credit-scoring")
    assert (model.team, model.risk_tier, model.owner) == (personas.team, "medium", personas.scientist)
    assert model.tags == {"domain": "lending", "owner-unit": "retail"}
    assert model.business_goal == "Fewer defaults" and model.success_kpi == "Default rate below 2%"
    event = _last("model.created")
    assert event.channel == "web" and event.actor_name == "sam" and event.after["tags"] == model.tags


def test_register_refusals_keep_the_input_and_say_what_to_change(personas, client):
    make_model(personas, name="credit-scoring")
    client.force_login(personas.scientist)
    before = len(events())
    response = _post_model(client, team=str(personas.team.pk))
    body = response.content.decode()
    assert response.status_code == 400
    assert "already exists" in body and "Nothing was saved" in body
    assert 'value="credit-scoring"' in body and "Scores loan applications." in body
    assert 'value="lending"' in body and 'value="retail"' in body
    assert len(events()) == before
    # A team the user is not in is not offered, and posting it anyway is a field error.
    other = personas.team.__class__.objects.create(name="Fraud")
    response = _post_model(client, name="fraud-model", team=str(other.pk))
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    # A tag value without a name is named in the error.
    response = _post_model(client, name="fraud-model", team=str(personas.team.pk), **{"tags-key": ["", ""]})
    assert response.status_code == 400 and "has no name" in response.content.decode()
    assert not RegisteredModel.objects.filter(name="fraud-model").exists()


def test_roles_without_the_right_get_403(personas, client):
    client.force_login(personas.approver)
    assert client.get(reverse("registry:model-create")).status_code == 403
    model = make_model(personas)
    client.force_login(personas.outsider)
    assert client.get(reverse("registry:version-create", args=[model.name])).status_code == 403
    assert client.post(reverse("registry:model-edit", args=[model.name]), {"risk_tier": "high"}).status_code == 403


def test_add_a_version_with_rows_and_signature(personas, client):
    model = make_model(personas)
    client.force_login(personas.scientist)
    data = {
        "source_uri": "s3://models/credit/v1.skops",
        "run_id": "run-42",
        "code_repository": "https://git.example.org/credit",
        "code_commit": "abc123",
        "training_dataset": "s3://data/credit/2026-11",
        "metrics-key": ["accuracy", "auc", ""],
        "metrics-value": ["0.91", "0.88", ""],
        "parameters-key": ["max_depth", ""],
        "parameters-value": ["6", ""],
        "input_signature": '{"age": "integer", "income": "float"}',
        "description": "First candidate.",
    }
    response = client.post(reverse("registry:version-create", args=[model.name]), data)
    assert response.status_code == 302
    version = ModelVersion.objects.get(model=model, version=1)
    assert response["Location"] == reverse("registry:card-edit", args=[model.name, 1])
    assert version.metrics == {"accuracy": 0.91, "auc": 0.88}
    assert version.parameters == {"max_depth": "6"}
    assert version.input_signature == {"age": "integer", "income": "float"}
    assert (version.run_id, version.code_commit, version.created_by) == ("run-42", "abc123", personas.scientist)
    assert _last("version.created").after["metrics"] == {"accuracy": 0.91, "auc": 0.88}


def test_version_refusals_keep_the_input(personas, client):
    model = make_model(personas)
    client.force_login(personas.scientist)
    data = {
        "source_uri": "s3://models/credit/v1.skops",
        "run_id": "run-42",
        "metrics-key": ["accuracy"],
        "metrics-value": ["very good"],
        "input_signature": "[1, 2]",
    }
    response = client.post(reverse("registry:version-create", args=[model.name]), data)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Metric &#x27;accuracy&#x27; must be a number" in body and "Give a JSON object" in body
    assert 'value="very good"' in body and 'value="run-42"' in body and "[1, 2]" in body
    # The service's own check (source URI scheme) lands on its field too.
    data.update({"metrics-value": ["0.9"], "input_signature": "", "source_uri": "ftp://nowhere/x"})
    response = client.post(reverse("registry:version-create", args=[model.name]), data)
    assert response.status_code == 400 and 'value="ftp://nowhere/x"' in response.content.decode()
    assert 'id="id_source_uri_error"' in response.content.decode()
    assert not ModelVersion.objects.exists()


def test_card_page_shows_completeness_per_field_and_saves_through_the_service(personas, client):
    set_policy("medium", required_card_fields=["intended_use", "training_data"])
    model = make_model(personas, risk_tier="medium")
    version = make_version(personas, model, stage="none", card=False)
    client.force_login(personas.scientist)
    url = reverse("registry:card-edit", args=[model.name, version.version])
    body = client.get(url).content.decode()
    assert "0 of 7 fields filled in" in body and body.count("required, empty") == 2
    response = client.post(url, {"intended_use": "Scoring retail loans.", "caveats": ""})
    assert response.status_code == 302
    version.card.refresh_from_db()
    assert version.card.intended_use == "Scoring retail loans."
    assert _last("card.updated").after == {"intended_use": "Scoring retail loans."}
    page = client.get(reverse("registry:version-detail", args=[model.name, version.version])).content.decode()
    assert "1 of 7 fields filled in" in page and page.count("required, empty") == 1


def test_stage_moves_need_a_confirmation_and_production_is_not_one_of_them(personas, client, model):
    version = make_version(personas, model, stage="none")
    client.force_login(personas.scientist)
    url = reverse("registry:stage-move", args=[model.name, version.version])
    confirm = client.get(url + "?to=staging")
    assert confirm.status_code == 200 and "from none to staging?" in confirm.content.decode()
    version.refresh_from_db()
    assert version.stage == "none"  # the confirmation page changes nothing
    assert client.post(url, {"target": "staging"}).status_code == 302
    version.refresh_from_db()
    assert version.stage == "staging"
    assert _last("version.stage_changed").after == {"stage": "staging"}
    refused = client.get(url + "?to=production")
    assert refused.status_code == 400 and "needs an approved promotion request" in refused.content.decode()
    response = client.post(url, {"target": "production"}, follow=True)
    assert "needs an approved promotion request" in response.content.decode()
    version.refresh_from_db()
    assert version.stage == "staging"
    # Archive, then roll back to staging.
    client.post(url, {"target": "archived"})
    client.post(url, {"target": "staging"})
    version.refresh_from_db()
    assert version.stage == "staging"
    assert [e.after["stage"] for e in events("version.stage_changed")][-2:] == ["archived", "staging"]


def test_request_production_is_offered_where_it_can_succeed(personas, client, model):
    fresh = make_version(personas, model, stage="none")
    client.force_login(personas.scientist)
    page = client.get(reverse("registry:version-detail", args=[model.name, fresh.version])).content.decode()
    assert "Move to staging and request production" in page and ">Request production</button>" not in page
    response = client.post(
        reverse("registry:request-create", args=[model.name, fresh.version]), {"justification": "Beats v0."}
    )
    promotion = PromotionRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:request-detail", args=[promotion.pk])
    fresh.refresh_from_db()
    assert fresh.stage == "staging" and promotion.status == "open"
    assert _last("promotion.requested").after["justification"] == "Beats v0."
    staged_page = client.get(reverse("registry:version-detail", args=[model.name, fresh.version])).content.decode()
    assert f"#{promotion.pk}" in staged_page


def test_a_refused_request_keeps_the_justification(personas, client, model):
    version = make_version(personas, model, stage="staging")
    client.force_login(personas.scientist)
    url = reverse("registry:request-create", args=[model.name, version.version])
    response = client.post(url, {"justification": "   "})
    assert response.status_code == 400 and "Say why this version should be promoted" in response.content.decode()
    # No policy for the tier: the service refuses; the typed justification stays in the form.
    from registry.models import PromotionPolicy

    PromotionPolicy.objects.filter(risk_tier="low").delete()
    response = client.post(url, {"justification": "Because it is better."})
    body = response.content.decode()
    assert response.status_code == 400 and "No promotion policy" in body and "Because it is better." in body
    assert not PromotionRequest.objects.exists()


def test_stage_and_request_is_one_step_that_rolls_back_whole(personas, client, model):
    from registry.models import PromotionPolicy

    version = make_version(personas, model, stage="none")
    PromotionPolicy.objects.filter(risk_tier="low").delete()
    client.force_login(personas.scientist)
    response = client.post(
        reverse("registry:request-create", args=[model.name, version.version]), {"justification": "Ready."}
    )
    assert response.status_code == 400
    version.refresh_from_db()
    assert version.stage == "none" and not events("version.stage_changed")


def test_aliases_set_remove_and_request_a_protected_one(personas, client, model):
    set_policy("low", protected_aliases=["champion"])
    version = make_version(personas, model, stage="staging")
    client.force_login(personas.scientist)
    set_url = reverse("registry:alias-set", args=[model.name, version.version])
    assert client.post(set_url, {"alias": "challenger"}).status_code == 302
    assert ModelAlias.objects.get(model=model, alias="challenger").version == version
    assert _last("alias.set").after == {"alias": "challenger", "version": version.version}
    refused = client.post(set_url, {"alias": "champion"})
    assert refused.status_code == 400 and "is protected" in refused.content.decode()
    assert 'value="champion"' in refused.content.decode()
    bad = client.post(set_url, {"alias": "Not An Alias"})
    assert bad.status_code == 400 and "lower-case" in bad.content.decode()
    response = client.post(
        reverse("registry:alias-request", args=[model.name, version.version]),
        {"alias": "champion", "justification": "Won the A/B test."},
    )
    promotion = PromotionRequest.objects.get(kind="alias")
    assert response.status_code == 302 and promotion.alias == "champion"
    assert client.post(reverse("registry:alias-remove", args=[model.name, "challenger"])).status_code == 302
    assert not ModelAlias.objects.filter(alias="challenger").exists()
    assert _last("alias.deleted").before == {"alias": "challenger", "version": version.version}


def test_edit_and_delete_through_the_services(personas, client, model):
    version = make_version(personas, model, stage="none")
    client.force_login(personas.scientist)
    response = client.post(
        reverse("registry:model-edit", args=[model.name]),
        {"team": str(personas.team.pk), "risk_tier": "low", "description": "New text", "tags-key": [""]},
    )
    assert response.status_code == 302
    assert _last("model.updated").after == {"description": "New text"}
    # Lowering the risk tier is refused for non-administrators: the message is on the field, the input stays.
    make_model(personas, name="high-one", risk_tier="high")
    refused = client.post(
        reverse("registry:model-edit", args=["high-one"]),
        {"team": str(personas.team.pk), "risk_tier": "low", "description": "Lowered"},
    )
    assert refused.status_code == 400 and "only an administrator" in refused.content.decode()
    assert "Lowered" in refused.content.decode()
    response = client.post(
        reverse("registry:version-edit", args=[model.name, version.version]),
        {"metrics-key": ["f1"], "metrics-value": ["0.7"], "run_id": "run-9"},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.metrics == {"f1": 0.7} and version.run_id == "run-9"
    assert client.post(reverse("registry:version-delete", args=[model.name, version.version])).status_code == 302
    assert _last("version.deleted")
    assert client.post(reverse("registry:model-delete", args=[model.name])).status_code == 302
    assert not RegisteredModel.objects.filter(name=model.name).exists() and _last("model.deleted")


@pytest.mark.parametrize(
    "action",
    ["model.created", "version.created", "card.updated", "version.stage_changed", "alias.set", "promotion.requested"],
)
def test_page_and_api_leave_the_same_audit_event(personas, client, api, action):
    """The same write through the API and through the page: the same action, the same before/after keys."""
    set_policy("low", protected_aliases=[])
    api_client = api(personas.scientist)
    client.force_login(personas.scientist)
    shapes = {}
    for door, name in (("api", "api-model"), ("web", "web-model")):
        if door == "api":
            assert api_client.post("/api/v1/models/", {"name": name, "team": personas.team.name}).status_code == 201
            base = f"/api/v1/models/{name}/versions/"
            api_client.post(base, {"source_uri": "s3://m/1", "metrics": {"accuracy": 0.9}}, format="json")
            api_client.put(f"{base}1/card/", FULL_CARD, format="json")
            api_client.post(f"{base}1/stage/", {"stage": "staging"}, format="json")
            api_client.put(f"/api/v1/models/{name}/aliases/challenger/", {"version": 1}, format="json")
            api_client.post(
                "/api/v1/promotion-requests/", {"model": name, "version": 1, "justification": "Go."}, format="json"
            )
        else:
            created = _post_model(
                client, name=name, team=str(personas.team.pk), risk_tier="low", **{"tags-key": [], "tags-value": []}
            )
            assert created.status_code == 302
            client.post(
                reverse("registry:version-create", args=[name]),
                {"source_uri": "s3://m/1", "metrics-key": ["accuracy"], "metrics-value": ["0.9"]},
            )
            client.post(reverse("registry:card-edit", args=[name, 1]), FULL_CARD)
            client.post(reverse("registry:stage-move", args=[name, 1]), {"target": "staging"})
            client.post(reverse("registry:alias-set", args=[name, 1]), {"alias": "challenger"})
            client.post(reverse("registry:request-create", args=[name, 1]), {"justification": "Go."})
        found = [e for e in events(action) if e.model_name == name]
        assert found, f"{door} left no {action}"
        event = found[-1]
        assert event.channel == door
        shapes[door] = (event.object_type, sorted((event.before or {}).keys()), sorted((event.after or {}).keys()))
    assert shapes["api"] == shapes["web"]


def test_a_refused_deletion_says_why_and_keeps_the_model(personas, client, model, staged):
    from registry import services

    services.promotion_request_create(version=staged, actor=personas.scientist, justification="Ready.")
    client.force_login(personas.scientist)
    url = reverse("registry:model-delete", args=[model.name])
    assert "cannot be undone" in client.get(url).content.decode()
    refused = client.post(url)
    assert refused.status_code == 409 and "promotion history" in refused.content.decode()
    assert RegisteredModel.objects.filter(pk=model.pk).exists() and not events("model.deleted")
    refused = client.post(reverse("registry:version-delete", args=[model.name, staged.version]))
    assert refused.status_code == 409 and ModelVersion.objects.filter(pk=staged.pk).exists()
