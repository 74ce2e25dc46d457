"""The assessments list: one FilterSet shared by the page and the API (same rows for the same query), partial
matching of the model and of who started it, labelled inputs, a bad value shown beside its field (page) and a 400
(API), headers that sort both ways and keep the filters."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from assessments import services
from registry import services as registry_services

pytestmark = pytest.mark.django_db
ROW = r'<td><a href="/assessments/(\d+)/">'


@pytest.fixture
def listed(frameworks, model, personas):
    other = registry_services.model_create(
        actor=personas.engineer, name="fraud-cards", team=personas.team, risk_tier="high"
    )
    made = [
        services.assessment_create(model=model, actor=personas.scientist, framework_slug="lifecycle"),
        services.assessment_create(model=model, actor=personas.scientist, framework_slug="ml-test-score"),
        services.assessment_create(model=other, actor=personas.engineer, framework_slug="lifecycle"),
    ]
    return {"credit": model, "fraud": other, "assessments": made}


def _page_ids(client, params: dict) -> list[int]:
    response = client.get(reverse("assessments:assessment-list"), params)
    assert response.status_code == 200
    table = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(pk) for pk in re.findall(ROW, table)]


def _api_ids(api, user, params: dict) -> list[int]:
    response = api(user).get("/api/v1/assessments/", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"model": "CREDIT"}, 2),
        ({"model": "fraud-c"}, 1),
        ({"framework": "lifecycle"}, 2),
        ({"status": "draft", "model": "credit"}, 2),
        ({"started_by": "EV"}, None),
        ({"mine": "on"}, None),
        ({}, 3),
    ],
)
def test_page_and_api_list_the_same_assessments(client, api, personas, listed, params, expected):
    client.force_login(personas.engineer)
    page = _page_ids(client, params)
    api_params = {**params, "mine": "true"} if "mine" in params else params
    assert sorted(page) == sorted(_api_ids(api, personas.engineer, api_params))
    if expected is not None:
        assert len(page) == expected
    if "mine" in params or "started_by" in params:
        assert page == [listed["assessments"][2].pk]  # the engineer started only the fraud-cards one


def test_a_bad_filter_value_is_shown_beside_its_field_and_is_a_400_in_the_api(client, api, personas, listed):
    client.force_login(personas.auditor)
    response = client.get(reverse("assessments:assessment-list"), {"status": "finished", "model": "cred"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="filter-errors"' in html
    field = html.split('id="id_status"', 1)[1].split("</div>", 1)[0]
    assert "Select a valid choice" in field and 'role="alert"' in field
    assert 'value="cred"' in html  # the typed value is kept
    assert "No assessments match" in html and _page_ids(client, {"status": "finished"}) == []
    assert api(personas.auditor).get("/api/v1/assessments/", {"status": "finished"}).status_code == 400
    assert api(personas.auditor).get("/api/v1/assessments/", {"framework": "nope"}).status_code == 400


def test_every_filter_input_has_a_label(client, personas, listed):
    client.force_login(personas.scientist)
    html = client.get(reverse("assessments:assessment-list")).content.decode()
    form = html.split('data-testid="filters"', 1)[1].split("</form>", 1)[0]
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', form)
    assert {"id_model", "id_framework", "id_status", "id_started_by", "id_mine"} <= set(ids)
    for input_id in ids:
        assert f'<label for="{input_id}"' in form, input_id


def test_headers_sort_both_ways_like_the_api_and_keep_the_filters(client, api, personas, listed):
    client.force_login(personas.auditor)
    ascending = _page_ids(client, {"ordering": "model__name"})
    descending = _page_ids(client, {"ordering": "-model__name"})
    fraud = listed["assessments"][2].pk
    assert ascending[-1] == fraud and descending[0] == fraud and len(ascending) == 3
    assert _api_ids(api, personas.auditor, {"ordering": "-model__name"})[0] == fraud
    html = client.get(reverse("assessments:assessment-list"), {"ordering": "id", "model": "credit"}).content.decode()
    assert 'aria-sort="ascending"' in html and "ordering=-id" in html and "model=credit" in html
    assert _page_ids(client, {"ordering": "id", "model": "credit"}) == sorted(a.pk for a in listed["assessments"][:2])
