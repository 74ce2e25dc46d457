"""The stored reports list: one FilterSet shared by the page and the API (same rows for the same query, still scoped
to what the user may read), the model and requester matched in part, labelled inputs, a bad value beside its field
(page) and a 400 (API), sortable headers; the API's earlier exact ``model_name`` still works."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from reports.models import GovernanceReport
from tests.reports.factories import make_model

pytestmark = pytest.mark.django_db
ROW = r'<td><a href="/reports/(\d+)/">'


@pytest.fixture
def stored(personas):
    credit = make_model(personas, name="credit-scoring")
    fraud = make_model(personas, name="fraud-cards")

    def report(model, **fields):
        fields.setdefault("status", "succeeded")
        fields.setdefault("requested_by_name", "sam")
        return GovernanceReport.objects.create(model=model, model_name=model.name if model else "", title="t", **fields)

    return [
        report(credit, trigger="page", size_bytes=300),
        report(credit, trigger="promotion", status="failed", requested_by_name="eve"),
        report(fraud, trigger="api", size_bytes=100),
        report(None, kind="portfolio", trigger="page", size_bytes=200),
    ]


def _page_ids(client, params: dict) -> list[int]:
    response = client.get(reverse("reports:report-list"), params)
    assert response.status_code == 200
    table = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(pk) for pk in re.findall(ROW, table)]


def _api_ids(api, user, params: dict) -> list[int]:
    response = api(user).get("/api/v1/reports/", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"model": "CREDIT"}, [0, 1]),
        ({"model": "fraud", "trigger": "api"}, [2]),
        ({"status": "failed"}, [1]),
        ({"kind": "portfolio"}, [3]),
        ({"requested_by": "EV"}, [1]),
        ({"model_name": "credit-scoring"}, [0, 1]),
        ({}, [0, 1, 2, 3]),
    ],
)
def test_page_and_api_list_the_same_reports(client, api, personas, stored, params, expected):
    client.force_login(personas.auditor)
    page = _page_ids(client, params)
    assert sorted(page) == sorted(_api_ids(api, personas.auditor, params))
    assert sorted(page) == sorted(stored[i].pk for i in expected)


def test_the_filters_stay_within_what_the_user_may_read(client, api, personas, stored):
    client.force_login(personas.outsider)
    assert _page_ids(client, {"model": "credit"}) == [] == _api_ids(api, personas.outsider, {"model": "credit"})


def test_a_bad_value_is_shown_beside_its_field_and_is_a_400(client, api, personas, stored):
    client.force_login(personas.auditor)
    html = client.get(reverse("reports:report-list"), {"status": "lost", "model": "cred"}).content.decode()
    assert 'data-testid="filter-errors"' in html and 'value="cred"' in html
    beside = html.split('id="id_status"', 1)[1].split("</div>", 1)[0]
    assert "Select a valid choice" in beside and 'role="alert"' in beside
    assert "No reports match" in html
    assert api(personas.auditor).get("/api/v1/reports/", {"status": "lost"}).status_code == 400
    assert api(personas.auditor).get("/api/v1/reports/", {"since": "yesterday"}).status_code == 400


def test_labelled_inputs_and_headers_that_sort_both_ways(client, api, personas, stored):
    client.force_login(personas.auditor)
    html = client.get(reverse("reports:report-list")).content.decode()
    form = html.split('data-testid="filters"', 1)[1].split("</form>", 1)[0]
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', form)
    assert {"id_model", "id_kind", "id_status", "id_requested_by", "id_since"} <= set(ids)
    for input_id in ids:
        assert f'<label for="{input_id}"' in form, input_id
    sized = [stored[2].pk, stored[3].pk, stored[0].pk]
    assert _page_ids(client, {"ordering": "size_bytes", "status": "succeeded"}) == sized
    assert _page_ids(client, {"ordering": "-size_bytes", "status": "succeeded"}) == sized[::-1]
    assert _api_ids(api, personas.auditor, {"ordering": "-size_bytes", "status": "succeeded"}) == sized[::-1]
