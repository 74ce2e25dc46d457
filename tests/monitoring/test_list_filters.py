"""The monitoring lists (drift checks, alerts, datasets): one FilterSet each, shared by the page and the API (same
rows for the same query), the model matched in part, labelled inputs, a bad value shown beside its field (page) and
a 400 (API), headers that sort both ways and keep the filters; the API's earlier exact parameters still work."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from monitoring.models import Alert, DriftCheck
from registry import services as registry_services
from tests.monitoring.factories import csv_bytes, make_frame

pytestmark = pytest.mark.django_db


@pytest.fixture
def monitored(version, reference, personas):
    from monitoring import services

    other_model = registry_services.model_create(
        actor=personas.scientist, name="fraud-cards", team=personas.team, risk_tier="low"
    )
    other = registry_services.version_create(model=other_model, actor=personas.scientist, source_uri="s3://f/1")
    other_ref = services.dataset_upload(
        version=other, kind="reference", data=csv_bytes(make_frame(50)), filename="fraud.csv", actor=personas.scientist
    )
    now = timezone.now()
    checks = [
        DriftCheck.objects.create(
            version=version,
            reference=reference,
            current=reference,
            status="succeeded",
            dataset_drift=True,
            drift_share=0.8,
            created_at=now - timedelta(days=3),
        ),
        DriftCheck.objects.create(
            version=version, reference=reference, current=reference, status="failed", created_at=now - timedelta(days=1)
        ),
        DriftCheck.objects.create(
            version=other,
            reference=other_ref,
            current=other_ref,
            status="succeeded",
            dataset_drift=False,
            drift_share=0.1,
            created_at=now,
        ),
    ]
    alerts = [
        Alert.objects.create(kind="drift", model=version.model, version=version, check_run=checks[0], message="d"),
        Alert.objects.create(kind="check_failed", model=version.model, version=version, message="f"),
        Alert.objects.create(kind="stale_data", model=other_model, version=other, message="s"),
    ]
    return {"checks": checks, "alerts": alerts, "datasets": [reference, other_ref]}


LISTS = {
    "checks": ("monitoring:check-list", "/api/v1/drift-checks/", r'<td><a href="/monitoring/checks/(\d+)/">'),
    "alerts": ("monitoring:alert-list", "/api/v1/alerts/", r"<td[^>]*>([dfs])</td></tr>"),
    "datasets": ("monitoring:dataset-list", "/api/v1/datasets/", r"<tr><td>(\d+)</td>"),
}


def _page_ids(client, name: str, params: dict, pattern: str) -> list[int]:
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    table = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(pk) for pk in re.findall(pattern, table)]


def _api_ids(api, user, url: str, params: dict) -> list[int]:
    response = api(user).get(url, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"model": "CHU"}, [0, 1]),
        ({"model": "fraud", "version": "1"}, [2]),
        ({"status": "failed"}, [1]),
        ({"dataset_drift": "true"}, [0]),
        ({"dataset_drift": "false"}, [2]),
        ({"since": "__2d"}, [1, 2]),
        ({"version__model__name": "churn"}, [0, 1]),  # the API's earlier exact parameter
        ({}, [0, 1, 2]),
    ],
)
def test_checks_page_and_api_list_the_same_checks(client, api, personas, monitored, params, expected):
    if params.get("since") == "__2d":
        params = {"since": (timezone.now() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")}
    client.force_login(personas.auditor)
    name, url, row = LISTS["checks"]
    page = _page_ids(client, name, params, row)
    assert sorted(page) == sorted(_api_ids(api, personas.auditor, url, params))
    assert sorted(page) == sorted(monitored["checks"][i].pk for i in expected)


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"model": "CHURN"}, [0, 1]), ({"kind": "stale_data"}, [2]), ({"model__name": "churn"}, [0, 1])],
)
def test_alerts_page_and_api_list_the_same_alerts(client, api, personas, monitored, params, expected):
    client.force_login(personas.auditor)
    response = client.get(reverse("monitoring:alert-list"), params)
    table = response.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    messages = sorted(re.findall(r"<td[^>]*>([dfs])</td></tr>", table))
    api_rows = api(personas.auditor).get("/api/v1/alerts/", params).json()["results"]
    assert messages == sorted(row["message"] for row in api_rows)
    assert messages == sorted(monitored["alerts"][i].message for i in expected)


@pytest.mark.parametrize(
    ("params", "expected"), [({"model": "fra"}, [1]), ({"name": "REF"}, [0]), ({"kind": "reference"}, [0, 1])]
)
def test_datasets_page_and_api_list_the_same_datasets(client, api, personas, monitored, params, expected):
    client.force_login(personas.auditor)
    name, url, row = LISTS["datasets"]
    page = _page_ids(client, name, params, row)
    assert sorted(page) == sorted(_api_ids(api, personas.auditor, url, params))
    assert sorted(page) == sorted(monitored["datasets"][i].pk for i in expected)


@pytest.mark.parametrize(
    ("name", "url", "params", "field"),
    [
        ("monitoring:check-list", "/api/v1/drift-checks/", {"version": "one"}, "version"),
        ("monitoring:check-list", "/api/v1/drift-checks/", {"status": "finished"}, "status"),
        ("monitoring:check-list", "/api/v1/drift-checks/", {"dataset_drift": "maybe"}, "dataset_drift"),
        ("monitoring:alert-list", "/api/v1/alerts/", {"kind": "fire"}, "kind"),
        (
            "monitoring:alert-list",
            "/api/v1/alerts/",
            {"since": "2026-02-01T00:00", "until": "2026-01-01T00:00"},
            "until",
        ),
        ("monitoring:dataset-list", "/api/v1/datasets/", {"since": "last tuesday"}, "since"),
    ],
)
def test_a_bad_filter_value_is_an_error_beside_its_field_and_a_400(
    client, api, personas, monitored, name, url, params, field
):
    client.force_login(personas.auditor)
    response = client.get(reverse(name), {**params, "model": "chu"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="filter-errors"' in html
    beside = html.split(f'id="id_{field}"', 1)[1].split("</div>", 1)[0]
    assert 'class="field-error"' in beside and 'role="alert"' in beside
    assert 'value="chu"' in html  # the typed value is kept
    assert "match: change or clear the filters" in html
    assert api(personas.auditor).get(url, params).status_code == 400


def test_every_filter_input_has_a_label(client, personas, monitored):
    client.force_login(personas.scientist)
    for name, _url, _row in LISTS.values():
        html = client.get(reverse(name)).content.decode()
        form = html.split('data-testid="filters"', 1)[1].split("</form>", 1)[0]
        ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', form)
        assert "id_model" in ids and "id_since" in ids, name
        for input_id in ids:
            assert f'<label for="{input_id}"' in form, (name, input_id)


def test_headers_sort_both_ways_like_the_api_and_keep_the_filters(client, api, personas, monitored):
    client.force_login(personas.auditor)
    name, url, row = LISTS["checks"]
    ascending = _page_ids(client, name, {"ordering": "drift_share", "status": "succeeded"}, row)
    descending = _page_ids(client, name, {"ordering": "-drift_share", "status": "succeeded"}, row)
    checks = monitored["checks"]
    assert ascending == [checks[2].pk, checks[0].pk] and descending == ascending[::-1]
    assert _api_ids(api, personas.auditor, url, {"ordering": "-drift_share", "status": "succeeded"}) == descending
    html = client.get(reverse(name), {"ordering": "created_at", "model": "churn"}).content.decode()
    assert 'aria-sort="ascending"' in html and "ordering=-created_at" in html and "model=churn" in html


def test_the_dashboard_links_to_the_full_lists(client, personas, monitored):
    client.force_login(personas.auditor)
    html = client.get(reverse("monitoring:dashboard")).content.decode()
    for name in ("monitoring:check-list", "monitoring:alert-list", "monitoring:dataset-list"):
        assert f'href="{reverse(name)}"' in html
