"""API permissions per persona, clear 4xx errors, and a constant number of queries on list endpoints."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.models import RegisteredModel
from tests.registry.factories import make_model, make_version


def test_owner_and_team_edit_outsider_forbidden(personas, api, model):
    url = f"/api/v1/models/{model.name}/"
    assert api(personas.scientist).patch(url, {"description": "by owner"}).status_code == 200
    assert api(personas.engineer).patch(url, {"description": "by team"}).status_code == 200
    assert api(personas.outsider).patch(url, {"description": "hijack"}).status_code == 403
    assert api(personas.auditor).patch(url, {"description": "hijack"}).status_code == 403
    assert api(personas.approver).patch(url, {"description": "hijack"}).status_code == 403
    assert api(personas.nobody).get(url).status_code == 403
    assert api().get(url).status_code in (401, 403)
    model.refresh_from_db()
    assert model.description == "by team"


@pytest.mark.parametrize("who", ["auditor", "approver", "outsider", "scientist"])
def test_every_role_reads(personas, api, staged, who):
    client = api(getattr(personas, who))
    assert client.get("/api/v1/models/").status_code == 200
    assert client.get(f"/api/v1/models/{staged.model.name}/versions/").status_code == 200
    assert client.get("/api/v1/versions/").status_code == 200
    assert client.get("/api/v1/promotion-requests/").status_code == 200
    assert client.get("/api/v1/audit/").status_code == 200
    assert client.get("/api/v1/policies/").status_code == 200


def test_auditor_is_read_only(personas, api, model, staged):
    client = api(personas.auditor)
    assert client.post("/api/v1/models/", {"name": "aud-model"}).status_code == 403
    assert client.post(f"/api/v1/models/{model.name}/versions/", {"source_uri": "s3://b/x"}).status_code == 403
    assert client.put(f"/api/v1/models/{model.name}/aliases/challenger/", {"version": 1}).status_code == 403
    url = f"/api/v1/models/{model.name}/versions/{staged.version}/stage/"
    assert client.post(url, {"stage": "archived"}).status_code == 403
    body = {"model": model.name, "version": staged.version, "justification": "x"}
    assert client.post("/api/v1/promotion-requests/", body).status_code == 403
    assert client.delete(f"/api/v1/models/{model.name}/").status_code == 403


def test_outsider_cannot_touch_versions_or_request(personas, api, model, staged):
    client = api(personas.outsider)
    assert client.post(f"/api/v1/models/{model.name}/versions/", {"source_uri": "s3://b/x"}).status_code == 403
    body = {"model": model.name, "version": staged.version, "justification": "x"}
    assert client.post("/api/v1/promotion-requests/", body).status_code == 403
    url = f"/api/v1/models/{model.name}/versions/{staged.version}/"
    assert client.patch(url, {"description": "x"}).status_code == 403
    assert client.delete(url).status_code == 403


def test_approvers_decide_but_do_not_author(personas, api, staged):
    client = api(personas.approver)
    assert client.post("/api/v1/models/", {"name": "approver-model"}).status_code == 403
    promotion, _ = services.promotion_request_create(version=staged, actor=personas.scientist, justification="go")
    assert client.post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {"comment": "ok"}).status_code == 200
    awaiting = api(personas.approver2).get("/api/v1/promotion-requests/", {"awaiting": "1"}).json()
    assert awaiting["count"] == 0  # applied already


def test_awaiting_lists_what_an_approver_may_still_decide(personas, api, high_model):
    version = make_version(personas, high_model)
    promotion, _ = services.promotion_request_create(version=version, actor=personas.scientist, justification="go")
    api(personas.approver).post(f"/api/v1/promotion-requests/{promotion.pk}/approve/", {})
    ids = lambda user: [r["id"] for r in api(user).get("/api/v1/promotion-requests/?awaiting=1").json()["results"]]  # noqa: E731
    assert ids(personas.approver) == [] and ids(personas.approver2) == [promotion.pk]


def test_clear_4xx_errors(personas, api, model):
    client = api(personas.scientist)
    assert client.post("/api/v1/models/", {"name": "bad/name"}).status_code in (400, 404)
    assert client.post("/api/v1/models/", {"name": ""}).status_code == 400
    assert client.post("/api/v1/models/", {"name": model.name}).status_code == 409
    assert client.post("/api/v1/models/", {"name": "x", "risk_tier": "extreme"}).status_code == 400
    assert client.post("/api/v1/models/", {"name": "x", "tags": ["not", "an", "object"]}).status_code == 400
    unknown_team = client.post("/api/v1/models/", {"name": "x", "team": "no-such-team"})
    assert unknown_team.status_code == 404 and "no-such-team" in unknown_team.json()["detail"]
    assert client.patch(f"/api/v1/models/{model.name}/", {"name": "renamed"}).status_code in (200, 400)
    assert client.get("/api/v1/promotion-requests/abc/").status_code == 404
    assert client.post("/api/v1/promotion-requests/abc/approve/", {}).status_code == 404
    assert client.post("/api/v1/promotion-requests/999/approve/", {}).status_code in (403, 404)
    assert client.get("/api/v1/models/nope/versions/").status_code == 404
    assert client.get(f"/api/v1/models/{model.name}/versions/99/").status_code == 404
    body = {"model": model.name, "version": 99, "justification": "x"}
    assert client.post("/api/v1/promotion-requests/", body).status_code == 404
    body = {"model": model.name, "version": 1, "justification": ""}
    assert client.post("/api/v1/promotion-requests/", body).status_code == 400
    assert client.post("/api/v1/models/", "not json", content_type="application/json").status_code == 400
    assert client.get("/api/v1/models/", {"ordering": "nonexistent"}).status_code == 200
    assert client.get("/api/v1/models/", {"risk_tier": "extreme"}).status_code == 400
    assert client.get("/api/v1/models/", {"page": "999"}).status_code == 404


def test_list_filters_search_ordering(personas, api):
    make_model(personas, name="alpha-fraud", risk_tier="high", description="card fraud")
    m2 = make_model(personas, name="beta-churn", risk_tier="low")
    make_version(personas, m2)
    client = api(personas.auditor)
    names = lambda params: [m["name"] for m in client.get("/api/v1/models/", params).json()["results"]]  # noqa: E731
    assert names({"risk_tier": "high"}) == ["alpha-fraud"]
    assert names({"search": "fraud"}) == ["alpha-fraud"]
    assert names({"stage": "staging"}) == ["beta-churn"]
    assert names({"ordering": "-name"}) == ["beta-churn", "alpha-fraud"]
    versions = client.get("/api/v1/versions/", {"model": "beta-churn", "stage": "staging"}).json()
    assert versions["count"] == 1 and versions["results"][0]["model"] == "beta-churn"


# --- constant query counts --------------------------------------------------------------------------------------------


def _populate(personas, n_models: int):
    for i in range(n_models):
        model = make_model(personas, name=f"m{i:03d}")
        v1 = make_version(personas, model, stage="staging")
        make_version(personas, model, stage="none", parent=v1)
        services.alias_set(model=model, alias="challenger", version=v1, actor=personas.scientist)
        services.promotion_request_create(version=v1, actor=personas.scientist, justification="go")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/models/",
        "/api/v1/versions/",
        "/api/v1/models/m000/versions/",
        "/api/v1/promotion-requests/",
        "/api/v1/audit/",
        "/api/v1/models/m000/aliases/",
    ],
)
def test_list_queries_do_not_grow_with_page_size(personas, api, url):
    _populate(personas, 6)
    for i in range(2):
        services.promotion_decide(
            request=RegisteredModel.objects.get(name=f"m00{i}").versions.get(version=1).promotion_requests.get(),
            actor=personas.approver,
            decision="approve",
            comment="ok",
        )
    client = api(personas.auditor)
    sep = "&" if "?" in url else "?"
    _queries(client, f"{url}{sep}page_size=1")  # warm the user's permission cache (two queries, once per user)
    small = _queries(client, f"{url}{sep}page_size=1")
    large = _queries(client, f"{url}{sep}page_size=200")
    assert small == large, f"{url}: {small} queries for 1 row, {large} for all"
    assert large <= 8


def test_model_list_page_queries_constant(personas, client):
    _populate(personas, 3)
    client.force_login(personas.auditor)
    from django.urls import reverse

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("registry:model-list"))
    _populate_more = [make_model(personas, name=f"z{i}") for i in range(5)]
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("registry:model-list"))
    assert len(_populate_more) == 5 and len(few.captured_queries) == len(many.captured_queries)
