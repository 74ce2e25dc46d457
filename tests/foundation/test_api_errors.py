"""REST and MLflow-door error handling (issues #15 and #13.9): every refusal is a specific 4xx in the door's own
shape, never a 500 or Django's HTML page."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from monitoring.models import Dataset
from registry import services
from registry.limits import DESCRIPTION_MAX, TAG_VALUE_MAX
from registry.models import AuditEvent, RegisteredModel
from reports.models import GovernanceReport
from tests.fixtures.personas import api_client

MLFLOW = "/api/2.0/mlflow/"


def token_client(user, keyword: str = "Token") -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {token.key}")
    return client


def mlflow_error(response, status: int, code: str) -> str:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error_code", "message"} and body["error_code"] == code, body
    return body["message"]


def reference_dataset(version, user) -> Dataset:
    return Dataset.objects.create(
        version=version,
        kind="reference",
        name="ref.csv",
        source_format="csv",
        file="monitoring/datasets/ref.parquet",
        sha256="0" * 64,
        size_bytes=1,
        n_rows=1,
        n_columns=1,
        uploaded_by=user,
    )


@pytest.fixture
def model(personas):
    model = services.model_create(actor=personas.scientist, name="credit", team=personas.team)
    services.version_create(model=model, actor=personas.scientist, source_uri="s3://b/credit/1")
    return model


# --- 401 / 403 / 404 --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["Token not-a-real-token", "Bearer not-a-real-token", "Token", "Basic Zm9vOmJhcg=="])
def test_invalid_credentials_are_401_with_a_challenge(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/models/")  # (a scheme the API does not speak counts as no credentials)
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_no_credentials_is_401_and_a_deactivated_users_token_too(personas):
    response = APIClient().get("/api/v1/models/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    client = token_client(personas.scientist)
    assert client.get("/api/v1/models/").status_code == 200
    personas.scientist.is_active = False
    personas.scientist.save()
    response = client.get("/api/v1/models/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_missing_permission_is_403_and_a_hidden_object_404(personas, model):
    assert token_client(personas.nobody).get("/api/v1/models/").status_code == 403
    assert token_client(personas.auditor).delete("/api/v1/models/credit/").status_code == 403
    hidden = token_client(personas.outsider).get("/api/v1/reports/999999/")
    assert hidden.status_code == 404


@pytest.mark.django_db
def test_a_session_still_works_for_the_browser(personas, model):
    client = Client()
    client.force_login(personas.scientist)
    assert client.get("/api/v1/models/").status_code == 200
    assert client.get("/api/v1/models/?format=api").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reports/false/",
        "/api/v1/reports/1.5/",
        "/api/v1/reports/false/download/",
        "/api/v1/datasets/abc/",
        "/api/v1/drift-checks/-1/",
        "/api/v1/alerts/null/",
        "/api/v1/deliveries/true/",
        "/api/v1/promotion-requests/x/",
        "/api/v1/audit/x/",
        "/api/v1/assessments/none/",
    ],
)
def test_non_numeric_ids_are_404(personas, path):
    response = api_client(personas.admin).get(path)
    assert response.status_code == 404, (path, response.status_code)


# --- deletion blocked by what refers to the object --------------------------------------------------------------------


@pytest.mark.django_db
def test_deleting_a_model_or_version_that_data_refers_to_is_409_naming_what_blocks_it(personas, model):
    version = model.versions.get()
    reference_dataset(version, personas.scientist)
    client = api_client(personas.admin)  # may delete anything: only the reference blocks it
    events = AuditEvent.objects.count()
    for path in ("/api/v1/models/credit/versions/1/", "/api/v1/models/credit/"):
        response = client.delete(path)
        assert response.status_code == 409, (path, response.content)
        body = response.json()
        assert body["blocked_by"] == [{"kind": "dataset", "count": 1}]
        assert "1 dataset" in body["detail"] and "delete those first" in body["detail"]
    assert RegisteredModel.objects.filter(name="credit").exists() and model.versions.count() == 1
    assert AuditEvent.objects.count() == events  # nothing happened, nothing recorded


@pytest.mark.django_db
def test_mlflow_door_deletion_blocked_is_an_mlflow_error_not_a_500(personas, model):
    version = model.versions.get()
    reference_dataset(version, personas.scientist)
    client = token_client(personas.admin, "Bearer")
    response = client.delete(MLFLOW + "model-versions/delete", {"name": "credit", "version": "1"}, format="json")
    assert "1 dataset" in mlflow_error(response, 400, "INVALID_STATE")


# --- hostile bodies ---------------------------------------------------------------------------------------------------

NESTED = "[" * 100_000 + "]" * 100_000


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/models/", "/api/v1/promotion-requests/", "/api/v1/reports/"])
def test_deeply_nested_json_is_400_on_rest(personas, path):
    response = api_client(personas.scientist).post(path, NESTED, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert "nested" in response.json()["detail"]
    shallow_enough = '{"name": "deep", "tags": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}"
    response = api_client(personas.scientist).post("/api/v1/models/", shallow_enough, content_type="application/json")
    assert response.status_code == 400 and "nested" in json.dumps(response.json())


@pytest.mark.django_db
def test_deeply_nested_json_is_an_mlflow_error(personas):
    client = token_client(personas.scientist, "Bearer")
    response = client.post(MLFLOW + "registered-models/create", NESTED, content_type="application/json")
    assert "nested" in mlflow_error(response, 400, "BAD_REQUEST")


@pytest.mark.django_db
def test_a_body_over_the_limit_is_413_json_on_rest_and_mlflow_shaped_on_the_door(personas, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = json.dumps({"name": "big", "description": "x" * 5000})
    response = api_client(personas.scientist).post("/api/v1/models/", big, content_type="application/json")
    assert response.status_code == 413, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    assert "1,000 bytes" in response.json()["detail"]
    client = token_client(personas.scientist, "Bearer")
    response = client.post(MLFLOW + "registered-models/create", big, content_type="application/json")
    assert "1,000 bytes" in mlflow_error(response, 413, "BAD_REQUEST")
    assert not RegisteredModel.objects.filter(name="big").exists()


# --- one limit for both doors -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_description_limit_is_the_same_on_rest_and_the_mlflow_door(personas, model):
    too_long = "x" * (DESCRIPTION_MAX + 1)
    rest = api_client(personas.scientist)
    assert rest.post("/api/v1/models/", {"name": "r", "description": too_long}, format="json").status_code == 400
    client = token_client(personas.scientist, "Bearer")
    for path, body in (
        ("registered-models/create", {"name": "m", "description": too_long}),
        ("registered-models/update", {"name": "credit", "description": too_long}),
        ("model-versions/create", {"name": "credit", "source": "s3://b/2", "description": too_long}),
        ("model-versions/update", {"name": "credit", "version": "1", "description": too_long}),
    ):
        call = client.patch if path.endswith("update") else client.post
        message = mlflow_error(call(MLFLOW + path, body, format="json"), 400, "INVALID_PARAMETER_VALUE")
        assert f"{DESCRIPTION_MAX:,}" in message or str(DESCRIPTION_MAX) in message, message
    model.refresh_from_db()
    assert model.description == "" and model.versions.count() == 1
    ok = "y" * DESCRIPTION_MAX
    response = client.patch(MLFLOW + "registered-models/update", {"name": "credit", "description": ok}, format="json")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "tags",
    [
        {"k": "v" * (TAG_VALUE_MAX + 1)},
        {"k": "v" * 1_048_576},
        {"k": "nul\x00here"},
        {"nul\x00key": "v"},
        {"": "empty key"},
        {"k" * 251: "v"},
        {"k": {"nested": "object"}},
    ],
)
def test_rest_tags_keep_the_mlflow_limits_and_refuse_nul(personas, model, tags):
    client = api_client(personas.scientist)
    response = client.post("/api/v1/models/", {"name": "tagged", "tags": tags}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert "tags" in response.json()
    response = client.patch("/api/v1/models/credit/versions/1/", {"tags": tags}, format="json")
    assert response.status_code == 400, response.content[:300]
    model.refresh_from_db()
    assert model.tags == {} and not RegisteredModel.objects.filter(name="tagged").exists()


@pytest.mark.django_db
def test_mlflow_tags_refuse_nul(personas, model):
    client = token_client(personas.scientist, "Bearer")
    response = client.post(
        MLFLOW + "registered-models/set-tag", {"name": "credit", "key": "k", "value": "a\x00b"}, format="json"
    )
    mlflow_error(response, 400, "INVALID_PARAMETER_VALUE")


# --- the audit API --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_audit_api_gives_before_and_after_as_json_objects(personas, model):
    services.model_update(model=model, actor=personas.scientist, description="new words")
    client = api_client(personas.auditor)
    events = client.get("/api/v1/audit/?action=model.updated").json()["results"]
    assert events, "the update must be in the trail"
    event = events[0]
    assert isinstance(event["before"], dict) and isinstance(event["after"], dict), event
    assert event["after"]["description"] == "new words"
    one = client.get(f"/api/v1/audit/{event['sequence']}/").json()
    assert one["after"] == event["after"]


# --- reports for a version that does not exist ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["99", "abc"])
def test_generating_a_report_for_a_missing_version_stores_nothing(personas, model, raw):
    client = Client()
    client.force_login(personas.scientist)
    response = client.post("/reports/models/credit/generate/", {"version": raw})
    assert response.status_code in (400, 404), response.status_code
    assert GovernanceReport.objects.count() == 0
    api_response = api_client(personas.scientist).post("/api/v1/reports/", {"model": "credit", "version": 99})
    assert api_response.status_code == 404
    assert GovernanceReport.objects.count() == 0


# --- what the schema promises, the API keeps (the fuzzing stage's findings) ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/models/?page_size=abc",
        "/api/v1/models/?page_size=0",
        "/api/v1/models/?page_size=501",
        "/api/v1/datasets/?version__version=0.5",
        "/api/v1/drift-checks/?version__version=x",
        "/api/v1/webhook-endpoints/?enabled=2",
        "/api/v1/alert-rules/?enabled=maybe",
    ],
)
def test_parameters_of_the_wrong_type_are_400_not_ignored(personas, query):
    response = api_client(personas.admin).get(query)
    assert response.status_code == 400, (query, response.status_code)


@pytest.mark.django_db
def test_valid_parameters_still_filter(personas, model):
    client = api_client(personas.admin)
    assert client.get("/api/v1/models/?page_size=500").status_code == 200
    assert client.get("/api/v1/webhook-endpoints/?enabled=true").status_code == 200
    assert client.get("/api/v1/datasets/?version__version=1").status_code == 200


@pytest.mark.django_db
def test_a_form_encoded_body_is_415_where_only_json_is_documented(personas):
    response = api_client(personas.scientist).post("/api/v1/models/", {"name": "form"}, format="multipart")
    assert response.status_code == 415
    assert not RegisteredModel.objects.filter(name="form").exists()


def test_the_schema_documents_every_error_answer():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) >= 70
    for path, method, operation in operations:
        codes = set(operation["responses"])
        assert {"400", "401", "403", "404"} <= codes, (method, path, codes)
        if method != "get":
            assert {"409", "413", "415"} <= codes, (method, path, codes)
    audit = schema["components"]["schemas"]["AuditEvent"]["properties"]
    assert audit["before"].get("type") != "string" and audit["actor_id"].get("nullable") is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["/api/v1/audit/?until=", "/api/v1/versions/?created_after=", "/api/v1/promotion-requests/?status="]
)
def test_an_empty_value_for_a_typed_filter_is_400(personas, query):
    response = api_client(personas.admin).get(query)
    assert response.status_code == 400, (query, response.status_code)
    assert api_client(personas.admin).get("/api/v1/models/?q=").status_code == 200  # text: empty matches all


@pytest.mark.django_db
def test_json_types_are_kept_a_number_is_not_text_nor_a_yes_no(personas, model):
    client = api_client(personas.scientist)
    response = client.patch("/api/v1/models/credit/versions/1/card/", {"caveats": 0}, format="json")
    assert response.status_code == 400 and "caveats" in response.json()
    assert client.post("/api/v1/models/", {"name": 5}, format="json").status_code == 400
    assert not RegisteredModel.objects.filter(name="5").exists()
    response = client.patch("/api/v1/models/credit/versions/1/card/", {"caveats": "None known."}, format="json")
    assert response.status_code == 200 and response.json()["caveats"] == "None known."
    admin = api_client(personas.admin)
    response = admin.post(
        "/api/v1/webhook-endpoints/", {"name": "hook", "url": "https://example.org/hook", "enabled": 1}, format="json"
    )
    assert response.status_code == 400 and "enabled" in response.json()


@pytest.mark.django_db
def test_options_on_an_alias_describes_it_instead_of_a_500(personas, model):
    services.alias_set(model=model, alias="candidate", version=model.versions.get(), actor=personas.scientist)
    client = api_client(personas.scientist)
    assert client.options("/api/v1/models/credit/aliases/candidate/").status_code == 200
    assert client.options("/api/v1/models/credit/aliases/nope/").status_code == 200  # DRF: no actions to offer


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["é", "a/b", "-leading", "x" * 201])
def test_a_model_name_outside_the_documented_pattern_is_400_with_the_rule(personas, name):
    response = api_client(personas.scientist).post("/api/v1/models/", {"name": name}, format="json")
    assert response.status_code == 400 and "name" in response.json()


@pytest.mark.django_db
def test_an_unticked_checkbox_filter_is_not_an_empty_value(personas):
    assert api_client(personas.admin).get("/api/v1/promotion-requests/?mine=&awaiting=").status_code == 200
