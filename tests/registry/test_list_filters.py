"""One FilterSet per list, shared by the page and the API: same rows for the same query, partial matching of names
people type, visible errors (page) and 400s (API) for bad values, sortable headers, exports that honour the filters."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from registry import services
from registry.audit import audit_record
from tests.registry.factories import make_model, make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(personas):
    churn = make_model(personas, name="churn-retail")
    fraud = make_model(personas, name="fraud-cards", risk_tier="high", description="card fraud")
    make_model(personas, name="credit-limits")
    v1 = make_version(personas, churn)
    v2 = make_version(personas, fraud)
    services.promotion_request_create(version=v1, actor=personas.scientist, justification="ready")
    services.promotion_request_create(version=v2, actor=personas.engineer, justification="ready too")
    return {"churn": churn, "fraud": fraud}


def _page_rows(client, url: str, params: dict, pattern: str) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200
    html = response.content.decode()
    table = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(pattern, table)


def _api_rows(user, url: str, params: dict, key: str) -> list:
    api = APIClient()
    api.force_authenticate(user)
    response = api.get(url, params)
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


@pytest.mark.parametrize(
    "params",
    [{"q": "fraud"}, {"q": "CARD"}, {"risk_tier": "high"}, {"stage": "staging"}, {"owner": "eve"}, {}],
)
def test_model_list_page_and_api_return_the_same_models(client, personas, portfolio, params):
    client.force_login(personas.auditor)
    page = _page_rows(client, reverse("registry:model-list"), params, r'<td><a href="/models/([^/]+)/">')
    api = _api_rows(personas.auditor, "/api/v1/models/", params, "name")
    assert sorted(page) == sorted(api)
    assert params == {} or len(page) < 3


@pytest.mark.parametrize(
    "params", [{"model": "churn"}, {"model": "FRAUD-C"}, {"requested_by": "ev"}, {"awaiting": "1"}]
)
def test_request_list_page_and_api_agree_with_partial_names(client, personas, portfolio, params):
    client.force_login(personas.approver)
    page = _page_rows(client, reverse("registry:request-list"), params, r'<a href="/models/requests/(\d+)/">')
    api = _api_rows(personas.approver, "/api/v1/promotion-requests/", params, "id")
    assert sorted(int(p) for p in page) == sorted(api)
    if params.get("awaiting"):
        assert len(api) == 2
    else:
        assert len(api) == 1


@pytest.mark.parametrize(
    "params", [{"actor": "SA"}, {"model": "churn"}, {"action": "promotion."}, {"action": "model.created"}]
)
def test_audit_page_and_api_mean_the_same_by_each_filter(client, personas, portfolio, params):
    client.force_login(personas.auditor)
    page = _page_rows(client, reverse("registry:audit-list"), params, r"<tr><td>(\d+)</td>")
    api = _api_rows(personas.auditor, "/api/v1/audit/", {**params, "page_size": 500}, "sequence")
    assert sorted(int(p) for p in page) == sorted(api) and api


def test_audit_actor_and_model_match_in_part_and_ignore_case(client, personas, portfolio):
    client.force_login(personas.auditor)
    actors = _page_rows(
        client, reverse("registry:audit-list"), {"actor": "SA"}, r"<tr><td>\d+</td><td>[^<]*</td><td>([^<]*)</td>"
    )
    assert actors and set(actors) == {"sam"}
    models = _page_rows(
        client, reverse("registry:audit-list"), {"model": "FRAUD"}, r"<td>([a-z-]+)</td><td class=\"hash\">"
    )
    assert models and set(models) == {"fraud-cards"}


def test_a_bad_filter_value_is_an_error_beside_its_field_and_a_400_in_the_api(client, personas, portfolio):
    client.force_login(personas.auditor)
    html = client.get(reverse("registry:audit-list"), {"since": "last tuesday"}).content.decode()
    assert 'data-testid="filter-errors"' in html and 'role="alert"' in html
    field = (
        html.split('id="id_since"', 1)[0].rsplit('<div class="field', 1)[1]
        + html.split('id="id_since"', 1)[1].split("</div>", 1)[0]
    )
    assert "has-error" in field and "Enter a valid date/time." in field and 'aria-invalid="true"' in field
    assert 'value="last tuesday"' in html  # the typed value is kept
    assert "No events match" in html
    api = APIClient()
    api.force_authenticate(personas.auditor)
    bad = api.get("/api/v1/audit/", {"since": "last tuesday"})
    assert bad.status_code == 400 and "since" in bad.json()
    swapped = {"since": "2026-02-01T00:00", "until": "2026-01-01T00:00"}
    assert "Until is before since" in client.get(reverse("registry:audit-list"), swapped).content.decode()
    assert api.get("/api/v1/audit/", swapped).status_code == 400
    html = client.get(reverse("registry:model-list"), {"risk_tier": "enormous"}).content.decode()
    assert "Select a valid choice" in html and "No models match" in html


def test_every_filter_input_has_a_label(client, personas, portfolio):
    client.force_login(personas.auditor)
    for name in ("registry:audit-list", "registry:model-list", "registry:request-list"):
        html = client.get(reverse(name)).content.decode()
        form = html.split('data-testid="filters"', 1)[1].split("</form>", 1)[0]
        ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', form)
        assert ids, name
        for input_id in ids:
            assert f'<label for="{input_id}"' in form, (name, input_id)


def test_sort_headers_sort_the_list_both_ways_and_keep_the_filters(client, personas, portfolio):
    client.force_login(personas.auditor)
    url = reverse("registry:model-list")
    ascending = _page_rows(client, url, {"ordering": "name"}, r'<td><a href="/models/([^/]+)/">')
    descending = _page_rows(client, url, {"ordering": "-name"}, r'<td><a href="/models/([^/]+)/">')
    assert ascending == sorted(ascending) and descending == ascending[::-1] and len(ascending) == 3
    html = client.get(url, {"ordering": "name", "risk_tier": "low"}).content.decode()
    assert 'aria-sort="ascending"' in html and "ordering=-name" in html and "risk_tier=low" in html
    api = _api_rows(personas.auditor, "/api/v1/models/", {"ordering": "-name"}, "name")
    assert api == descending
    audit = _page_rows(
        client,
        reverse("registry:audit-list"),
        {"ordering": "actor_name"},
        r"<tr><td>\d+</td><td>[^<]*</td><td>([^<]*)</td>",
    )
    assert audit == sorted(audit)


def test_the_audit_export_holds_the_filtered_events_only(client, personas, portfolio):
    audit_record(action="test.note", object_type="note", object_repr="unrelated")
    client.force_login(personas.auditor)
    html = client.get(reverse("registry:audit-list"), {"model": "fraud", "page": "1"}).content.decode()
    assert f'href="{reverse("registry:audit-export")}?model=fraud"' in html
    body = b"".join(client.get(reverse("registry:audit-export"), {"model": "fraud"}).streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    api = _api_rows(personas.auditor, "/api/v1/audit/", {"model": "fraud", "page_size": 500}, "sequence")
    assert rows and sorted(int(r["sequence"]) for r in rows) == sorted(api)
    assert {r["model"] for r in rows} == {"fraud-cards"}
    everything = b"".join(client.get(reverse("registry:audit-export")).streaming_content).decode()
    assert len(list(csv.DictReader(io.StringIO(everything)))) > len(rows)
    bad = client.get(reverse("registry:audit-export"), {"since": "soon"}, follow=True)
    assert "Nothing exported" in bad.content.decode()


def test_a_refused_decision_keeps_the_typed_comment_and_says_why(client, personas, portfolio):
    from registry.models import PromotionRequest

    promotion = PromotionRequest.objects.get(version__model__name="fraud-cards")
    client.force_login(personas.approver)
    url = reverse("registry:request-decide", args=[promotion.pk])
    response = client.post(url, {"decision": "maybe", "comment": "Checked the gates & the card."})
    assert response.status_code == 400
    html = response.content.decode()
    form = html.split('data-testid="decision-form"', 1)[1].split("</form>", 1)[0]
    assert "Checked the gates &amp; the card.</textarea>" in form
    assert 'data-testid="decision-error">' in form and "Choose approve or reject." in form
    assert 'class="message message-error" role="alert"' in html
    assert not promotion.decisions.exists()
