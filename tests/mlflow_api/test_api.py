"""The MLflow door over HTTP (in-process): shapes and types, error codes, permissions, constant queries, audit."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry import services
from registry.models import AuditEvent, ModelVersion, RegisteredModel

BASE = "/api/2.0/mlflow/"
PROMPT_CLAUSE = "tag.`mlflow.prompt.is_prompt` != 'true'"


def mlflow_client(user, keyword: str = "Bearer") -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"{keyword} {token.key}")
    return client


def post(client, path, body):
    return client.post(BASE + path, body, format="json")


def make(personas, name, versions=2, **fields):
    model = services.model_create(actor=personas.scientist, name=name, team=personas.team, **fields)
    for n in range(versions):
        services.version_create(model=model, actor=personas.scientist, source_uri=f"s3://b/{name}/{n}")
    return model


@pytest.fixture
def sam(personas):
    return mlflow_client(personas.scientist)


def assert_error(response, status, code, fragment=""):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error_code", "message"}
    assert body["error_code"] == code
    assert fragment in body["message"]


def test_shapes_and_types(personas, sam):
    response = post(sam, "registered-models/create", {"name": "m1", "tags": [{"key": "k", "value": "v"}]})
    assert response.status_code == 200
    body = response.json()["registered_model"]
    assert body["name"] == "m1" and body["tags"] == [{"key": "k", "value": "v"}] and body["description"] == ""
    assert isinstance(body["creation_timestamp"], int) and body["creation_timestamp"] > 1_600_000_000_000
    assert "latest_versions" not in body and "aliases" not in body

    response = post(sam, "model-versions/create", {"name": "m1", "source": "s3://b/m1/1"})
    version = response.json()["model_version"]
    assert response.status_code == 200
    assert version["version"] == "1" and version["status"] == "READY" and version["current_stage"] == "None"
    assert version["run_id"] == "" and "tags" not in version and "aliases" not in version
    assert isinstance(version["last_updated_timestamp"], int)

    got = sam.get(BASE + "registered-models/get", {"name": "m1"}).json()["registered_model"]
    assert got["latest_versions"][0]["version"] == "1"


def test_lower_case_stage_and_archive_existing(personas, sam):
    make(personas, "m", versions=2)
    for number in ("1", "2"):
        response = post(
            sam,
            "model-versions/transition-stage",
            {"name": "m", "version": number, "stage": "staging", "archive_existing_versions": True},
        )
        assert response.status_code == 200, response.content
        assert response.json()["model_version"]["current_stage"] == "Staging"
    stages = dict(ModelVersion.objects.filter(model__name="m").values_list("version", "stage"))
    assert stages == {1: "archived", 2: "staging"}
    assert_error(
        post(sam, "model-versions/transition-stage", {"name": "m", "version": "2", "stage": "Shipping"}),
        400,
        "INVALID_PARAMETER_VALUE",
        "Invalid Model Version stage",
    )
    # The lifecycle refuses archived -> none: an MLflow error, not a 500.
    assert_error(
        post(sam, "model-versions/transition-stage", {"name": "m", "version": "1", "stage": "None"}),
        400,
        "INVALID_STATE",
        "Cannot move",
    )


def test_not_found_and_bad_parameters(personas, sam):
    make(personas, "m", versions=1)
    assert_error(sam.get(BASE + "registered-models/get", {"name": "nope"}), 404, "RESOURCE_DOES_NOT_EXIST")
    assert_error(
        sam.get(BASE + "model-versions/get", {"name": "m", "version": "99"}),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "Model Version (name=m, version=99) not found",
    )
    assert_error(sam.get(BASE + "model-versions/get", {"name": "m", "version": "x"}), 400, "INVALID_PARAMETER_VALUE")
    assert_error(sam.get(BASE + "registered-models/get"), 400, "INVALID_PARAMETER_VALUE", "'name'")
    assert_error(post(sam, "registered-models/create", {"name": "m"}), 400, "RESOURCE_ALREADY_EXISTS")
    assert_error(post(sam, "registered-models/create", {"name": "bad/name"}), 400, "INVALID_PARAMETER_VALUE")
    assert_error(post(sam, "registered-models/create", ["not", "an", "object"]), 400, "BAD_REQUEST")
    assert_error(
        sam.post(BASE + "registered-models/create", "{broken", content_type="application/json"), 400, "BAD_REQUEST"
    )
    assert_error(
        post(sam, "registered-models/create", {"name": "t", "tags": [{"key": "k", "value": 3}]}),
        400,
        "INVALID_PARAMETER_VALUE",
    )
    assert_error(
        sam.get(BASE + "registered-models/search", {"filter": "name = 'x' OR 1=1"}),
        400,
        "INVALID_PARAMETER_VALUE",
        "OR is not supported",
    )
    assert_error(
        sam.get(BASE + "registered-models/search", {"page_token": "garbage!"}),
        400,
        "INVALID_PARAMETER_VALUE",
        "page token",
    )
    assert_error(sam.get(BASE + "registered-models/search", {"max_results": "100000"}), 400, "INVALID_PARAMETER_VALUE")
    assert_error(sam.get(BASE + "registered-models/search", {"order_by": "owner"}), 400, "INVALID_PARAMETER_VALUE")
    assert_error(
        sam.get(BASE + "registered-models/alias", {"name": "m", "alias": "x"}),
        400,
        "INVALID_PARAMETER_VALUE",
        "alias x not found",
    )
    assert_error(sam.get(BASE + "experiments/get"), 404, "ENDPOINT_NOT_FOUND")
    assert_error(sam.get(BASE + "registered-models/create"), 405, "ENDPOINT_NOT_FOUND")


def test_disallowed_source_is_invalid_parameter(personas, sam):
    make(personas, "m", versions=0)
    for source in ("file:///etc/passwd", "s3://bucket/../../secret", "/abs/path", "ftp://x/y"):
        response = post(sam, "model-versions/create", {"name": "m", "source": source})
        assert_error(response, 400, "INVALID_PARAMETER_VALUE", "source")
    assert not ModelVersion.objects.filter(model__name="m").exists()


def test_authentication_and_roles(personas):
    anonymous = APIClient().get(BASE + "registered-models/search")
    assert_error(anonymous, 401, "UNAUTHENTICATED")
    assert "WWW-Authenticate" in anonymous
    assert_error(
        APIClient(HTTP_AUTHORIZATION="Bearer wrong").get(BASE + "registered-models/search"), 401, "UNAUTHENTICATED"
    )
    # The same token works with both keywords.
    assert mlflow_client(personas.scientist, "Token").get(BASE + "registered-models/search").status_code == 200
    make(personas, "m", versions=1)
    # Read-only roles read; writes need the role permission of the native API.
    auditor = mlflow_client(personas.auditor)
    assert auditor.get(BASE + "registered-models/get", {"name": "m"}).status_code == 200
    assert_error(post(auditor, "registered-models/create", {"name": "x"}), 403, "PERMISSION_DENIED")
    # A scientist outside the model's team cannot add versions (object rule of the registry services).
    outsider = mlflow_client(personas.outsider)
    assert_error(
        post(outsider, "model-versions/create", {"name": "m", "source": "s3://b/x"}),
        403,
        "PERMISSION_DENIED",
        "owner or team",
    )
    assert_error(
        outsider.delete(BASE + "registered-models/delete", {"name": "m"}, format="json"), 403, "PERMISSION_DENIED"
    )
    nobody = mlflow_client(personas.nobody)
    assert_error(nobody.get(BASE + "registered-models/search"), 403, "PERMISSION_DENIED")


def test_search_filters_order_and_pages(personas, sam):
    for name in ("alpha", "beta", "Alpine", "gamma"):
        make(personas, name, versions=1)
    services.model_update(
        model=RegisteredModel.objects.get(name="gamma"),
        actor=personas.scientist,
        tags={"mlflow.prompt.is_prompt": "true"},
    )
    services.model_update(
        model=RegisteredModel.objects.get(name="beta"), actor=personas.scientist, tags={"team x": "risk"}
    )

    def names(**params):
        body = sam.get(BASE + "registered-models/search", params).json()
        return [m["name"] for m in body.get("registered_models", [])], body.get("next_page_token")

    assert names(filter=PROMPT_CLAUSE) == (["Alpine", "alpha", "beta"], None)
    assert names(filter=f"name LIKE 'al%' AND {PROMPT_CLAUSE}") == (["alpha"], None)
    assert names(filter="name ILIKE 'al%'") == (["Alpine", "alpha"], None)
    assert names(filter="tag.`team x` = 'risk'") == (["beta"], None)
    assert names(filter="tag.`mlflow.prompt.is_prompt` = 'true'") == (["gamma"], None)
    assert names(order_by="name DESC", max_results="10")[0] == ["gamma", "beta", "alpha", "Alpine"]
    first, token = names(max_results="3")
    assert first == ["Alpine", "alpha", "beta"] and token
    assert names(max_results="3", page_token=token) == (["gamma"], None)

    versions = sam.get(BASE + "model-versions/search", {"filter": "name='alpha'", "max_results": "10000"}).json()
    assert [v["version"] for v in versions["model_versions"]] == ["1"]
    assert sam.get(BASE + "model-versions/search", {"filter": "name='none'"}).json() == {}
    ordered = sam.get(BASE + "model-versions/search", {"filter": "version_number >= 1", "order_by": "name ASC"})
    assert [v["name"] for v in ordered.json()["model_versions"]] == ["Alpine", "alpha", "beta", "gamma"]


def _count(client, path, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(BASE + path, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_constant_number_of_queries(personas, sam, settings):
    # Building 25 models can outlast the default 5 s auth cache on a loaded machine; this test counts the reads'
    # queries with the caller cached (and once cold, below), not the cache's expiry (test_auth_cache.py does).
    settings.MLOPS_GOV = {**settings.MLOPS_GOV, "MLFLOW_AUTH_CACHE_SECONDS": 600}

    def build(prefix, count):
        for i in range(count):
            model = make(personas, f"{prefix}-{i:03d}", versions=3)
            first = model.versions.get(version=1)
            services.version_transition(version=first, target="staging", actor=personas.scientist)
            services.alias_set(model=model, alias="candidate", version=first, actor=personas.scientist)
            services.model_update(model=model, actor=personas.scientist, tags={"k": "v"})

    build("small", 2)
    sam.get(BASE + "registered-models/search")  # a read caches the token caller (see test_auth_cache.py)
    calls = [
        ("registered-models/search", {"filter": PROMPT_CLAUSE, "max_results": "100"}),
        ("model-versions/search", {"filter": "name='small-000'", "max_results": "10000"}),
        ("registered-models/get", {"name": "small-000"}),
        ("registered-models/alias", {"name": "small-000", "alias": "candidate"}),
    ]
    small = [_count(sam, path, params) for path, params in calls]
    build("large", 25)
    large = [_count(sam, path, params) for path, params in calls]
    assert small == large
    assert large == [3, 2, 3, 2]  # the reads themselves: the token caller's role comes from the cache
    cache.clear()
    cold = [_count(sam, path, params) for path, params in calls]
    assert cold == [5, 2, 3, 2]  # the first read of a token adds token + user and the permissions


def test_tags_aliases_and_audit_channel(personas, sam):
    make(personas, "m", versions=2)
    assert post(sam, "model-versions/set-tag", {"name": "m", "version": "1", "key": "ok", "value": "True"}).json() == {}
    assert post(sam, "registered-models/set-tag", {"name": "m", "key": "owner team", "value": "risk"}).json() == {}
    assert post(sam, "registered-models/alias", {"name": "m", "alias": "candidate", "version": "2"}).json() == {}
    got = sam.get(BASE + "registered-models/get", {"name": "m"}).json()["registered_model"]
    assert got["aliases"] == [{"alias": "candidate", "version": "2"}]
    assert got["tags"] == [{"key": "owner team", "value": "risk"}]
    assert sam.get(BASE + "model-versions/get", {"name": "m", "version": "1"}).json()["model_version"]["tags"] == [
        {"key": "ok", "value": "True"}
    ]
    assert (
        sam.delete(
            BASE + "model-versions/delete-tag", {"name": "m", "version": "1", "key": "ok"}, format="json"
        ).status_code
        == 200
    )
    assert (
        sam.delete(BASE + "registered-models/alias", {"name": "m", "alias": "candidate"}, format="json").status_code
        == 200
    )
    assert ModelVersion.objects.get(model__name="m", version=1).tags == {}
    response = sam.patch(BASE + "registered-models/update", {"name": "m", "description": "new"}, format="json")
    assert response.json()["registered_model"]["description"] == "new"
    response = sam.patch(
        BASE + "model-versions/update", {"name": "m", "version": "2", "description": "d"}, format="json"
    )
    assert response.json()["model_version"]["description"] == "d"
    renamed = post(sam, "registered-models/rename", {"name": "m", "new_name": "m2"}).json()["registered_model"]
    assert renamed["name"] == "m2"
    latest = post(sam, "registered-models/get-latest-versions", {"name": "m2", "stages": ["None"]}).json()
    assert [v["version"] for v in latest["model_versions"]] == ["2"]
    assert sam.get(BASE + "model-versions/get-download-uri", {"name": "m2", "version": "1"}).json() == {
        "artifact_uri": "s3://b/m/0"
    }
    written = AuditEvent.objects.filter(request_id__gt="", channel="mlflow").exclude(action="version.created")
    actions = set(written.values_list("action", flat=True))
    assert {"version.updated", "model.updated", "alias.set", "alias.deleted", "model.renamed"} <= actions
    assert set(written.values_list("actor_name", flat=True)) == {"sam"}


def test_token_callers_need_no_csrf_and_sessions_open_nothing(personas):
    """The door authenticates tokens and basic auth only: no session, so no CSRF surface; the native API's
    session callers keep their CSRF protection."""
    token_caller = mlflow_client(personas.scientist)
    token_caller.handler.enforce_csrf_checks = True
    assert post(token_caller, "registered-models/create", {"name": "by-token"}).status_code == 200

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(personas.scientist)  # a logged-in session cookie, no token
    assert_error(post(browser, "registered-models/create", {"name": "by-session"}), 401, "UNAUTHENTICATED")
    assert_error(browser.get(BASE + "registered-models/get", {"name": "by-token"}), 401, "UNAUTHENTICATED")
    assert not RegisteredModel.objects.filter(name="by-session").exists()
    native = browser.post("/api/v1/models/", {"name": "by-session"}, format="json")
    assert native.status_code == 403 and "CSRF" in native.json()["detail"]
    assert not RegisteredModel.objects.filter(name="by-session").exists()
