"""Monitoring REST API: multipart uploads, checks answered 202 and polled, results, alerts; bad input is a 4xx."""

from __future__ import annotations

import gzip

import pyarrow as pa
import pytest
from django.test import override_settings

from monitoring.models import Dataset, DriftCheck
from tests.monitoring.factories import csv_bytes, make_frame
from tests.monitoring.test_ingest import parquet_bytes

pytestmark = pytest.mark.django_db


def post_file(client, version, data: bytes, name="data.csv", kind="current", **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    body = {
        "model": version.model.name,
        "version": version.version,
        "kind": kind,
        "file": SimpleUploadedFile(name, data),
        **extra,
    }
    return client.post("/api/v1/datasets/", body, format="multipart")


def test_upload_reference_then_current_then_poll_check(api, personas, version, django_capture_on_commit_callbacks):
    client = api(personas.scientist)
    response = post_file(client, version, csv_bytes(make_frame(200)), "ref.csv", kind="reference")
    assert response.status_code == 201, response.data
    assert response.data["n_rows"] == 200 and len(response.data["sha256"]) == 64
    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(client, version, csv_bytes(make_frame(200, shift=1.0, seed=9)), run_check="false")
    assert response.status_code == 201 and not DriftCheck.objects.exists()
    current_id = response.data["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/drift-checks/", {"model": "churn", "version": 1, "current": current_id})
    assert response.status_code == 202 and response.data["status"] == "queued"
    assert response["Location"] == response.data["poll_url"]
    polled = client.get(response.data["poll_url"])
    assert polled.status_code == 200 and polled.data["status"] == "succeeded" and polled.data["dataset_drift"] is True
    assert {c["column"] for c in polled.data["columns"]} == {"age", "income", "score", "city"}
    assert polled.data["data_quality"]["rows"] == 200
    assert client.get("/api/v1/drift-checks/?status=succeeded").data["count"] == 1
    alerts = client.get("/api/v1/alerts/")
    assert alerts.status_code == 200 and alerts.data["results"][0]["kind"] == "drift"
    assert api(personas.auditor).get("/api/v1/drift-checks/").status_code == 200


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "e.csv", "empty"),
        (b"age,income,score,city\n", "h.csv", "no data rows"),
        (b"age,age,score,city\n1,2,3,x\n", "d.csv", "Duplicate column names"),
        (b"age,income\n1,2\n", "s.csv", "does not match the reference schema"),
        ("age,income,score,city\n1,2,3,\xe9\n".encode("latin-1"), "l.csv", "UTF-8"),
        (b'age,income,score,city\n1,2,3,"x\n4,5,6,y\n', "m.csv", "malformed"),
        (gzip.compress(b"age,income,score,city\n" + b"1,2,3,x\n" * 3_000_000), "b.csv.gz", "decompression bomb"),
        (parquet_bytes(pa.table({f"c{i}": [1.0] for i in range(2000)})), "w.parquet", "2,000 columns"),
        (b"age,income,score,city\n,,,x\n,,,y\n", "n.csv", "has no values"),
    ],
)
def test_bad_uploads_are_400_and_write_nothing(api, personas, version, reference, data, name, message):
    before = Dataset.objects.count()
    response = post_file(api(personas.scientist), version, data, name)
    assert response.status_code == 400, response.data
    assert message in str(response.data)
    assert Dataset.objects.count() == before and not DriftCheck.objects.exists()


def test_upload_over_size_limit_is_413(api, personas, version):
    with override_settings(MLOPS_GOV={**__import__("django.conf").conf.settings.MLOPS_GOV, "UPLOAD_MAX_BYTES": 100}):
        response = post_file(api(personas.scientist), version, b"a\n" + b"1\n" * 100, kind="reference")
    assert response.status_code == 413 and "limit is 100 bytes" in str(response.data)


def test_permissions(api, personas, version, reference):
    data = csv_bytes(make_frame(20))
    assert post_file(api(personas.outsider), version, data).status_code == 403  # data scientist, other team
    assert post_file(api(personas.auditor), version, data).status_code == 403  # read-only role
    assert post_file(api(personas.nobody), version, data).status_code == 403
    assert api(personas.nobody).get("/api/v1/datasets/").status_code == 403
    assert api().get("/api/v1/drift-checks/").status_code in (401, 403)
    body = {"model": "churn", "version": 1, "current": reference.pk}
    assert api(personas.outsider).post("/api/v1/drift-checks/", body).status_code == 403
    response = api(personas.scientist).post("/api/v1/drift-checks/", body)
    assert response.status_code == 400 and "current batch" in str(response.data)  # a reference is not a batch


def test_config_api_validates(api, personas, version):
    client = api(personas.scientist)
    bad = client.patch("/api/v1/monitoring-configs/churn/", {"drift_config": {"stattest": "nope"}}, format="json")
    assert bad.status_code == 400 and "Invalid drift configuration" in str(bad.data)
    ok = client.patch("/api/v1/monitoring-configs/churn/", {"drift_config": {"drift_share": 0.3}}, format="json")
    assert ok.status_code == 200 and ok.data["drift_config"]["drift_share"] == 0.3
    assert (
        api(personas.auditor)
        .patch("/api/v1/monitoring-configs/churn/", {"check_on_upload": False}, format="json")
        .status_code
        == 403
    )


def test_schema_generates(api, personas):
    response = api(personas.admin).get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/drift-checks/" in response.content and b"/api/v1/datasets/" in response.content
