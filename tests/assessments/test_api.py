"""The assessments API: frameworks read, create / answer in bulk / submit / scores, exports, 4xx on bad input,
permissions by role and team."""

from __future__ import annotations

import csv
import io

import pytest

from assessments.models import Assessment
from registry.models import AuditEvent
from tests.assessments.factories import answer_all

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


def create(api, user, model, framework="ml-test-score"):
    return api(user).post(f"{BASE}/assessments/", {"model": model.name, "framework": framework}, format="json")


def test_frameworks_are_readable_by_every_role(frameworks, personas, api):
    for who in ("scientist", "auditor", "approver"):
        response = api(getattr(personas, who)).get(f"{BASE}/frameworks/")
        assert response.status_code == 200
        assert {f["slug"] for f in response.json()["results"]} == set(frameworks)
    detail = api(personas.auditor).get(f"{BASE}/frameworks/ml-test-score/").json()
    assert detail["version"] == 1 and len(detail["definition"]["dimensions"]) == 4
    assert api(personas.auditor).get(f"{BASE}/frameworks/nope/").status_code == 404
    assert api(personas.auditor).get(f"{BASE}/frameworks/ml-test-score/?version=x").status_code == 400
    assert api(personas.scientist).post(f"{BASE}/frameworks/", {}, format="json").status_code in (403, 405)
    assert api().get(f"{BASE}/frameworks/").status_code in (401, 403)


def test_full_flow_create_answer_submit_scores_exports(frameworks, model, personas, api):
    client = api(personas.scientist)
    created = create(api, personas.scientist, model)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["progress"] == {"answered": 0, "total": 28}
    incomplete = client.post(f"{BASE}/assessments/{pk}/submit/")
    assert incomplete.status_code == 400 and "28 required question(s) are unanswered" in incomplete.json()["detail"]
    items = answer_all(frameworks["ml-test-score"], 0.5)
    items[0]["evidence_note"] = '=HYPERLINK("http://evil")'
    saved = client.post(f"{BASE}/assessments/{pk}/answers/", {"answers": items}, format="json")
    assert saved.status_code == 200 and saved.json() == {"changed": 28, "answered": 28, "total": 28}
    preview = client.get(f"{BASE}/assessments/{pk}/scores/").json()
    assert preview["preview"] is True and preview["result"]["overall"]["score"] == 3.5
    submitted = client.post(f"{BASE}/assessments/{pk}/submit/")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    scores = api(personas.auditor).get(f"{BASE}/assessments/{pk}/scores/").json()
    assert scores["preview"] is False and scores["label"] == "Strong automated testing and monitoring"
    assert scores["score"] == 0.5
    exported = api(personas.auditor).get(f"{BASE}/assessments/{pk}/export-json/")
    assert exported.status_code == 200 and exported.json()["framework"]["version"] == 1
    assert len(exported.json()["answers"]) == 28
    response = api(personas.auditor).get(f"{BASE}/assessments/{pk}/export-csv/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "assessment" and len(rows) == 29
    assert rows[1][13] == '\'=HYPERLINK("http://evil")'  # formula injection neutralised
    assert AuditEvent.objects.filter(object_type="assessments.assessment", object_id=str(pk)).count() == 3


def test_bad_answers_and_late_answers_are_4xx_with_messages(frameworks, model, personas, api):
    client = api(personas.scientist)
    pk = create(api, personas.scientist, model).json()["id"]
    off_scale = client.post(
        f"{BASE}/assessments/{pk}/answers/", {"answers": [{"question": "data.1", "value": 2}]}, format="json"
    )
    assert off_scale.status_code == 400
    assert "2 is not on the scale" in off_scale.json()["answers"][0]
    foreign = client.post(
        f"{BASE}/assessments/{pk}/answers/", {"answers": [{"question": "plan.goal", "value": 1}]}, format="json"
    )
    assert foreign.status_code == 400 and "not a question of ML Test Score" in foreign.json()["answers"][0]
    for body in ({"answers": "x"}, {"nothing": 1}, [1, 2], {"answers": [{"question": "data.1", "value": "NaN"}]}):
        response = client.post(f"{BASE}/assessments/{pk}/answers/", body, format="json")
        assert response.status_code == 400, (body, response.content)
    client.post(
        f"{BASE}/assessments/{pk}/answers/", {"answers": answer_all(frameworks["ml-test-score"])}, format="json"
    )
    assert client.post(f"{BASE}/assessments/{pk}/submit/").status_code == 200
    late = client.post(
        f"{BASE}/assessments/{pk}/answers/", {"answers": [{"question": "data.1", "value": 0}]}, format="json"
    )
    assert late.status_code == 409 and "read-only" in late.json()["detail"]
    assert client.post(f"{BASE}/assessments/{pk}/submit/").status_code == 409
    assert client.get(f"{BASE}/assessments/abc/").status_code == 404
    assert client.get(f"{BASE}/assessments/999999/").status_code == 404
    assert client.get(f"{BASE}/assessments/?status=weird").status_code == 400


def test_create_is_refused_for_unknown_inputs(frameworks, model, personas, api):
    client = api(personas.scientist)
    assert client.post(f"{BASE}/assessments/", {"model": "nope"}, format="json").status_code == 404
    response = client.post(f"{BASE}/assessments/", {"model": model.name, "framework": "nope"}, format="json")
    assert response.status_code == 404 and "No framework 'nope'" in response.json()["detail"]
    response = client.post(f"{BASE}/assessments/", {"model": model.name, "model_version": 9}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("who", "create_status", "answer_status"),
    [("outsider", 403, 403), ("auditor", 403, 403), ("approver", 403, 403), ("engineer", 201, 200)],
)
def test_permissions_team_answers_auditors_read(frameworks, model, personas, api, who, create_status, answer_status):
    user = getattr(personas, who)
    assert create(api, user, model).status_code == create_status
    pk = create(api, personas.scientist, model).json()["id"]
    response = api(user).post(
        f"{BASE}/assessments/{pk}/answers/", {"answers": [{"question": "data.1", "value": 1}]}, format="json"
    )
    assert response.status_code == answer_status
    assert api(user).get(f"{BASE}/assessments/{pk}/").status_code == 200
    assert Assessment.objects.get(pk=pk).answers.count() == (1 if answer_status == 200 else 0)


def test_list_filters(frameworks, model, personas, api):
    create(api, personas.scientist, model)
    create(api, personas.scientist, model, framework="lifecycle")
    client = api(personas.auditor)
    assert client.get(f"{BASE}/assessments/").json()["count"] == 2
    assert client.get(f"{BASE}/assessments/?framework=lifecycle").json()["count"] == 1
    assert client.get(f"{BASE}/assessments/?model={model.name}&status=draft").json()["count"] == 2
    assert client.get(f"{BASE}/assessments/?model=unknown").json()["count"] == 0  # a name matched in part
    assert client.get(f"{BASE}/assessments/?model=CREDIT").json()["count"] == 2
    assert client.get(f"{BASE}/assessments/?framework=nope").status_code == 400


def test_list_query_count_does_not_grow_with_rows(frameworks, model, personas, api, django_assert_max_num_queries):
    for _ in range(6):
        create(api, personas.scientist, model, framework="lifecycle")
    client = api(personas.auditor)
    client.get(f"{BASE}/assessments/")  # warm the permission cache
    with django_assert_max_num_queries(8):
        response = client.get(f"{BASE}/assessments/")
    assert response.json()["count"] == 6
