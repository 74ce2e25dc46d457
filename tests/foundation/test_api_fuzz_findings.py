"""What the schema-driven fuzzing (scripts/api_fuzz.py, issue #15) found: a request the schema allows is accepted or
refused with 404/409 for the state it meets, never a 400; a request the schema refuses is a 400, never accepted."""

from __future__ import annotations

import re

import pytest

from mlops_gov.api.schema import NON_BLANK_TEXT_PATTERN, TEXT_PATTERN
from monitoring.models import AlertRule, WebhookEndpoint
from registry import services
from registry.models import RegisteredModel
from tests.fixtures.personas import api_client
from tests.foundation.test_api_errors import reference_dataset
from tests.registry.factories import make_version


@pytest.fixture
def model(personas):
    model = services.model_create(actor=personas.scientist, name="credit", team=personas.team)
    services.version_create(model=model, actor=personas.scientist, source_uri="s3://b/credit/1")
    services.version_create(model=model, actor=personas.scientist, source_uri="s3://b/credit/2")
    return model


def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.django_db
def test_a_webhook_secret_of_spaces_is_refused_as_the_schema_says(personas):
    client = api_client(personas.engineer)
    body = {"name": "ops", "url": "https://hooks.example.org/x", "secret": "   "}
    response = client.post("/api/v1/webhook-endpoints/", body, format="json")
    assert response.status_code == 400 and "secret" in response.json()
    assert not WebhookEndpoint.objects.exists()
    assert client.post("/api/v1/webhook-endpoints/", {**body, "secret": " s e "}, format="json").status_code == 201
    patched = client.patch("/api/v1/webhook-endpoints/ops/", {"secret": "\t"}, format="json")
    assert patched.status_code == 400
    assert WebhookEndpoint.objects.get(name="ops").secret == " s e "


@pytest.mark.django_db
def test_a_taken_webhook_or_rule_name_is_409(personas):
    client = api_client(personas.engineer)
    body = {"name": "ops", "url": "https://hooks.example.org/x", "secret": "s3cret"}
    assert client.post("/api/v1/webhook-endpoints/", body, format="json").status_code == 201
    again = client.post("/api/v1/webhook-endpoints/", body, format="json")
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    rule = {"name": "r", "events": ["drift"], "webhook": "ops"}
    assert client.post("/api/v1/alert-rules/", rule, format="json").status_code == 201
    assert client.post("/api/v1/alert-rules/", rule, format="json").status_code == 409
    assert AlertRule.objects.count() == 1 and WebhookEndpoint.objects.count() == 1


@pytest.mark.django_db
def test_a_body_naming_a_missing_object_is_404_naming_it(personas, model):
    client = api_client(personas.admin)
    created = client.post("/api/v1/models/", {"name": "new", "owner": "ghost"}, format="json")
    assert created.status_code == 404 and "ghost" in created.json()["detail"]
    patched = client.patch("/api/v1/models/credit/", {"team": "No such team"}, format="json")
    assert patched.status_code == 404 and "No such team" in patched.json()["detail"]
    assert not RegisteredModel.objects.filter(name="new").exists()
    engineer = api_client(personas.engineer)
    rule = engineer.post("/api/v1/alert-rules/", {"name": "r", "events": ["drift"], "webhook": "none"}, format="json")
    assert rule.status_code == 404 and not AlertRule.objects.exists()
    assert client.post("/api/v1/models/", {"name": "x", "owner": 0}, format="json").status_code == 400


@pytest.mark.django_db
def test_a_drift_check_on_another_versions_dataset_is_404(personas, model):
    other = reference_dataset(model.versions.get(version=2), personas.scientist)
    response = api_client(personas.scientist).post(
        "/api/v1/drift-checks/", {"model": "credit", "version": 1, "current": other.pk}, format="json"
    )
    assert response.status_code == 404 and f"#{other.pk}" in response.json()["detail"]


@pytest.mark.django_db
def test_an_alias_request_for_an_unprotected_alias_is_409_even_unnamed(personas, model):
    body = {"model": "credit", "version": 1, "kind": "alias", "alias": "", "justification": "x"}
    assert api_client(personas.scientist).post("/api/v1/promotion-requests/", body, format="json").status_code == 409


@pytest.mark.django_db
def test_source_uris_are_what_the_schema_pattern_says(personas, model):
    pattern = _schema()["components"]["schemas"]["VersionInRequest"]["properties"]["source_uri"]["pattern"]
    client = api_client(personas.scientist)
    for uri in ("s3://bucket/models/credit/3", "models:/credit/1".replace(":/", "://"), "https://h.example/a/b/"):
        assert re.search(pattern, uri), uri
        assert client.post("/api/v1/models/credit/versions/", {"source_uri": uri}, format="json").status_code == 201
    for uri in ("0", "s3://", "s3://b/../x", "s3://b/%2e%2e/x", "S3://b/x", "s3://u@b/x", "ftp://b/x", "s3://b/x y"):
        assert not re.search(pattern, uri), uri
        response = client.post("/api/v1/models/credit/versions/", {"source_uri": uri}, format="json")
        assert response.status_code == 400 and "source_uri" in response.json(), uri


def test_the_schema_says_what_the_services_check():
    schemas = _schema()["components"]["schemas"]
    config = schemas["PatchedConfigRequest"]["properties"]["drift_config"]
    assert config["additionalProperties"] is False and "drift_share" in config["properties"]
    assert "ks" in config["properties"]["num_stattest"]["enum"]
    assert "chisquare" not in config["properties"]["num_stattest"]["enum"]
    rule = schemas["AlertRuleInRequest"]
    assert rule["properties"]["events"]["items"].get("enum") or rule["properties"]["events"]["items"].get("$ref")
    assert rule["properties"]["emails"]["items"]["pattern"].startswith("^")
    assert len(rule["anyOf"]) == 2  # a webhook or an e-mail address
    assert len(schemas["ReportInRequest"]["oneOf"]) == 2  # a model report names its model
    assert "^" in schemas["DatasetImportInRequest"]["properties"]["uri"]["pattern"]


def test_the_schema_documents_409_for_a_pdf_not_ready():
    responses = _schema()["paths"]["/api/v1/reports/{id}/download/"]["get"]["responses"]
    assert "409" in responses and "application/json" in responses["409"]["content"]


@pytest.mark.django_db
def test_a_report_request_without_its_model_is_400_and_a_portfolio_needs_no_model(personas):
    client = api_client(personas.admin)
    assert client.post("/api/v1/reports/", {}, format="json").status_code == 400
    assert client.post("/api/v1/reports/", {"kind": "portfolio"}, format="json").status_code == 202


@pytest.mark.django_db
def test_an_empty_name_for_a_reference_is_400_not_null(personas, model):
    client = api_client(personas.engineer)
    hook = {"name": "ops", "url": "https://hooks.example.org/x", "secret": "s3cret"}
    assert client.post("/api/v1/webhook-endpoints/", hook, format="json").status_code == 201
    rule = {"name": "r", "events": ["drift"], "webhook": "ops", "model": "credit"}
    assert client.post("/api/v1/alert-rules/", rule, format="json").status_code == 201
    response = client.patch("/api/v1/alert-rules/r/", {"model": ""}, format="json")
    assert response.status_code == 400 and "model" in response.json()
    assert AlertRule.objects.get().model == model
    assert client.patch("/api/v1/alert-rules/r/", {"model": None}, format="json").status_code == 200


def test_the_schema_announces_what_the_filters_refuse():
    paths = _schema()["paths"]

    def parameter(path: str, name: str) -> dict:
        return next(p for p in paths[path]["get"]["parameters"] if p["name"] == name)["schema"]

    assert parameter("/api/v1/assessments/", "framework")["minLength"] == 1  # an empty value is a 400
    assert "minLength" not in parameter("/api/v1/assessments/", "model")  # text: empty matches all
    assert parameter("/api/v1/datasets/", "version")["minimum"] == 1
    assert parameter("/api/v1/drift-checks/", "version")["minimum"] == 1
    config = _schema()["components"]["schemas"]["PatchedConfigRequest"]["properties"]["drift_config"]
    assert None in config["properties"]["typing_from"]["enum"]  # nullable: null is one of its values


@pytest.mark.django_db
def test_the_schema_lists_the_frameworks_a_filter_accepts(personas, monkeypatch):
    from assessments import filters

    monkeypatch.setattr(filters, "_framework_choices", lambda: [("lifecycle", "Lifecycle"), ("mlops", "MLOps")])
    monkeypatch.setitem(filters.AssessmentFilter.base_filters["framework"].extra, "choices", filters._framework_choices)
    parameters = _schema()["paths"]["/api/v1/assessments/"]["get"]["parameters"]
    framework = next(p for p in parameters if p["name"] == "framework")["schema"]
    assert framework["enum"] == ["lifecycle", "mlops"]  # "nope" is outside the schema, as its 400 says


def test_a_promotion_request_for_a_target_with_an_open_one_documents_its_200():
    responses = _schema()["paths"]["/api/v1/promotion-requests/"]["post"]["responses"]
    assert {"200", "201"} <= set(responses)


@pytest.mark.django_db
def test_every_request_text_field_documents_that_nul_is_refused(personas, model):
    """The fuzzer sent a withdrawal note holding a NUL character, which the schema allowed and DRF refuses: every
    request text field's pattern now says so, and the API still refuses it with a 400 naming the field."""
    schemas = _schema()["components"]["schemas"]
    text_fields = [
        (name, field, spec)
        for name, component in schemas.items()
        if name.endswith("Request")
        for field, declared in component.get("properties", {}).items()
        if {"type": "object"} not in declared.get("oneOf", [])  # a JSON document given as text is parsed, not kept
        for spec in declared.get("oneOf", [declared])  # a blank-able field: its text, or "" (maxLength 0)
        if spec.get("type") == "string" and "enum" not in spec and spec.get("maxLength") != 0
    ]
    assert len(text_fields) > 20
    for name, field, spec in text_fields:
        if spec.get("format") == "binary":
            continue
        assert "pattern" in spec, f"{name}.{field}"
        assert not re.search(spec["pattern"], "a\x00b"), f"{name}.{field} allows NUL"
    blank_allowed = [spec for _, _, spec in text_fields if spec.get("pattern") == TEXT_PATTERN]
    assert blank_allowed and all(re.search(TEXT_PATTERN, text) for text in ("", "fine", "  "))
    assert re.search(NON_BLANK_TEXT_PATTERN, " a ") and not re.search(NON_BLANK_TEXT_PATTERN, " \t ")
    version = make_version(personas, model)
    promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="go")
    refused = api_client(personas.scientist).post(
        f"/api/v1/promotion-requests/{promotion.pk}/withdraw/", {"note": "x\x00y"}, format="json"
    )
    assert refused.status_code == 400 and "note" in refused.json()
