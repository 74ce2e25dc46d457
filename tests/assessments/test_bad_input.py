"""Odd inputs to every assessments endpoint answer 4xx, never 5xx."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
BASE = "/api/v1"
HUGE = "9" * 30


def test_huge_ids_and_versions_are_404_not_500(frameworks, personas, api, client):
    reader = api(personas.auditor)
    assert reader.get(f"{BASE}/assessments/{HUGE}/").status_code == 404
    assert reader.get(f"{BASE}/frameworks/lifecycle/?version={HUGE}").status_code == 404
    client.force_login(personas.auditor)
    assert client.get(f"/assessments/{HUGE}/").status_code == 404
    assert (
        client.get(reverse("assessments:framework-detail", args=["lifecycle"]) + f"?version={HUGE}").status_code == 404
    )


@pytest.mark.parametrize(
    "body",
    [
        "just a string",
        {"answers": [{"question": ["x"]}]},
        {"answers": [{"question": "data.1", "value": 1, "justification": 5}]},
        {"answers": [{"question": "data.1", "value": 1, "evidence_url": {"a": 1}}]},
        {"answers": [{"question": "data.1", "not_applicable": "yes", "justification": "x"}]},
        {"answers": [{"question": "data.1", "value": [1]}]},
        {"answers": [{"question": "data.1", "value": 1, "evidence_url": "https://x.example/" + "a" * 2000}]},
        {"answers": [{"question": "data.1", "value": 1}] * 2},
        {"answers": [{"question": "data.1", "value": 1}] * 501},
    ],
)
def test_malformed_answer_bodies_are_400(frameworks, model, personas, api, body):
    client = api(personas.scientist)
    pk = client.post(f"{BASE}/assessments/", {"model": model.name, "framework": "ml-test-score"}, format="json").json()[
        "id"
    ]
    response = client.post(f"{BASE}/assessments/{pk}/answers/", body, format="json")
    assert response.status_code == 400, response.content


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"model": ""},
        {"model": "x", "model_version": "abc"},
        {"model": "x", "framework": "Not A Slug!"},
        {"model": "x", "notes": "n" * 5000},
    ],
)
def test_malformed_create_bodies_are_400(frameworks, personas, api, body):
    assert api(personas.scientist).post(f"{BASE}/assessments/", body, format="json").status_code == 400
