"""Datasets registered by URI: read by a worker where they live, against a real S3-compatible server (moto's server
mode on loopback, spoken to by s3fs over HTTP), and from allow-listed local folders."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from mlops_gov.errors import ConflictError, DomainError, PermissionError_
from monitoring import services
from monitoring.domain import sources
from monitoring.models import Dataset, DatasetImport, DriftCheck
from registry.models import AuditEvent
from tests.monitoring.factories import csv_bytes, make_frame

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def s3_server():
    """A real S3 endpoint on 127.0.0.1; the workers' credentials and endpoint come from the environment."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        "AWS_ACCESS_KEY_ID": "test-key",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL_S3": f"http://{host}:{port}",
    }
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        import fsspec

        fsspec.config.conf.pop("s3", None)
        fs = fsspec.filesystem("s3", skip_instance_cache=True)
        fs.mkdir("lake")
        yield fs
    server.stop()


def _put(fs, key: str, data: bytes) -> str:
    with fs.open(f"lake/{key}", "wb") as handle:
        handle.write(data)
    fs.invalidate_cache()
    return f"s3://lake/{key}"


def _parquet(frame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _register(version, personas, uri, kind="reference", **kwargs):
    from django.db import transaction

    with transaction.atomic():
        job = services.dataset_import_request(version=version, kind=kind, uri=uri, actor=personas.scientist, **kwargs)
    job.refresh_from_db()
    return job


def test_reference_and_current_by_s3_uri_end_to_end(s3_server, version, personas, django_capture_on_commit_callbacks):
    reference = make_frame(400, seed=1)
    ref_uri = _put(s3_server, "churn/reference.parquet", _parquet(reference))
    with django_capture_on_commit_callbacks(execute=True):
        job = services.dataset_import_request(version=version, kind="reference", uri=ref_uri, actor=personas.scientist)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.dataset is not None, job.error
    stored = job.dataset
    assert stored.source_uri == ref_uri and stored.n_rows == 400 and stored.kind == "reference"
    assert stored.profile_file, "a reference registered by URI is profiled like an upload"
    import hashlib

    assert stored.sha256 == hashlib.sha256(_parquet(reference)).hexdigest()

    cur_uri = _put(s3_server, "churn/2026-12-01.csv", csv_bytes(make_frame(300, shift=1.5, seed=2)))
    with django_capture_on_commit_callbacks(execute=True):
        job = services.dataset_import_request(version=version, kind="current", uri=cur_uri, actor=personas.scientist)
    job.refresh_from_db()
    assert job.status == "succeeded", job.error
    check = DriftCheck.objects.get(current=job.dataset)
    assert check.status == "succeeded" and check.dataset_drift is True
    actions = list(
        AuditEvent.objects.filter(object_type__in=["monitoring.datasetimport", "monitoring.dataset"])
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["dataset.import_requested", "dataset.uploaded", "dataset.import_requested", "dataset.uploaded"]
    uploaded = AuditEvent.objects.filter(action="dataset.uploaded").order_by("sequence").last()
    assert uploaded.after["source_uri"] == cur_uri and uploaded.actor_name == personas.scientist.username


def test_missing_object_fails_the_job_with_the_reason_and_an_audit_event(s3_server, version, personas):
    from django.db import transaction

    with transaction.atomic():
        job = services.dataset_import_request(
            version=version, kind="reference", uri="s3://lake/nope.parquet", actor=personas.scientist
        )
    assert services.dataset_import_run(import_id=job.pk) is True
    job.refresh_from_db()
    assert job.status == "failed" and "Nothing found at s3://lake/nope.parquet" in job.error
    assert not Dataset.objects.exists()
    assert AuditEvent.objects.filter(action="dataset.import_failed", object_id=str(job.pk)).count() == 1
    assert services.dataset_import_run(import_id=job.pk) is False, "a finished job is not run twice"


def test_invalid_content_fails_like_an_upload_would(s3_server, version, personas):
    uri = _put(s3_server, "bad.csv", b"a,b\n1,2\n1,2,3\n")
    from django.db import transaction

    with transaction.atomic():
        job = services.dataset_import_request(version=version, kind="reference", uri=uri, actor=personas.scientist)
    services.dataset_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.error and not Dataset.objects.exists()


def test_object_over_the_import_limit_is_refused_while_streaming(s3_server, version, personas):
    uri = _put(s3_server, "big.csv", csv_bytes(make_frame(2000, seed=4)))
    from django.db import transaction

    with transaction.atomic():
        job = services.dataset_import_request(version=version, kind="reference", uri=uri, actor=personas.scientist)
    with override_settings(
        MLOPS_GOV={**__import__("django.conf").conf.settings.MLOPS_GOV, "DATASET_IMPORT_MAX_BYTES": 1000}
    ):
        services.dataset_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "larger than the import limit of 1,000 bytes" in job.error


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("http://example.org/a.csv", "Unsupported URI scheme 'http'"),
        ("s3://AKIA:secret@lake/a.csv", "no user name or password"),
        ("s3://lake/a.csv?X-Amz-Signature=abc", "no query string"),
        ("s3://lake/folder/", "not a folder"),
        ("s3:///a.csv", "Name the bucket"),
        ("file:///etc/passwd", "file:// URIs are off"),
        ("", "Give the dataset's URI"),
        ("s3://lake/a\x00.csv", "control characters"),
    ],
)
def test_refused_uris_say_why_and_record_nothing(version, personas, uri, reason):
    with pytest.raises(DomainError, match=reason):
        services.dataset_import_request(version=version, kind="reference", uri=uri, actor=personas.scientist)
    assert not DatasetImport.objects.exists()
    assert not AuditEvent.objects.filter(action="dataset.import_requested").exists()


def test_file_uris_only_under_allow_listed_roots(tmp_path, version, personas, settings):
    allowed = tmp_path / "lake"
    allowed.mkdir()
    (allowed / "ref.csv").write_bytes(csv_bytes(make_frame(100, seed=1)))
    outside = tmp_path / "private.csv"
    outside.write_bytes(b"a\n1\n")
    (allowed / "escape.csv").symlink_to(outside)
    settings.MLOPS_GOV = {**settings.MLOPS_GOV, "DATASET_FILE_ROOTS": [str(allowed)]}
    for uri in (f"file://{outside}", f"file://{allowed}/../private.csv", f"file://{allowed}/escape.csv"):
        with pytest.raises(DomainError, match="outside the folders allow-listed"):
            services.dataset_import_request(version=version, kind="reference", uri=uri, actor=personas.scientist)
    job = _register(version, personas, f"file://{allowed}/ref.csv")
    services.dataset_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert job.status == "succeeded" and job.dataset.n_rows == 100, job.error


def test_only_the_team_registers_and_current_needs_a_reference(version, personas):
    with pytest.raises(PermissionError_):
        services.dataset_import_request(
            version=version, kind="reference", uri="s3://lake/a.csv", actor=personas.auditor
        )
    with pytest.raises(ConflictError, match="no reference dataset yet"):
        services.dataset_import_request(
            version=version, kind="current", uri="s3://lake/a.csv", actor=personas.scientist
        )


def test_a_requester_who_lost_access_before_the_worker_ran_gets_nothing_stored(s3_server, version, personas):
    uri = _put(s3_server, "ref2.csv", csv_bytes(make_frame(100, seed=1)))
    job = _register(version, personas, uri)
    type(personas.scientist).objects.filter(pk=personas.scientist.pk).update(is_active=False)
    services.dataset_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "team" in job.error and not Dataset.objects.exists()


def test_sweep_requeues_an_import_whose_worker_died_and_fails_it_after_the_last_attempt(version, personas, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from monitoring import tasks

    job = _register(version, personas, "s3://lake/a.csv")
    past = timezone.now() - timedelta(minutes=1)
    DatasetImport.objects.filter(pk=job.pk).update(status="running", lease_expires_at=past, attempts=1)
    queued: list[int] = []
    monkeypatch.setattr(tasks.import_dataset, "delay", queued.append)
    monkeypatch.setattr(tasks.run_drift_check, "delay", lambda pk: None)
    services.sweep()
    assert queued == [job.pk]
    DatasetImport.objects.filter(pk=job.pk).update(attempts=DatasetImport.MAX_ATTEMPTS)
    services.sweep()
    job.refresh_from_db()
    assert job.status == "failed" and "too many times" in job.error
    assert AuditEvent.objects.filter(action="dataset.import_failed", object_id=str(job.pk)).exists()


def test_cli_registers_and_reads_now_or_exits_with_one_line(s3_server, version, personas, capsys):
    uri = _put(s3_server, "cli.csv", csv_bytes(make_frame(120, seed=1)))
    call_command(
        "register_dataset", "churn", "1", uri, "--kind", "reference", "--user", personas.scientist.username, "--now"
    )
    out = capsys.readouterr().out
    assert "120 rows" in out and f"from {uri}" in out
    with pytest.raises(CommandError, match="failed: Nothing found"):
        call_command(
            "register_dataset",
            "churn",
            "1",
            "s3://lake/none.csv",
            "--kind",
            "current",
            "--user",
            personas.scientist.username,
            "--now",
        )
    with pytest.raises(CommandError, match="no user name or password"):
        call_command(
            "register_dataset",
            "churn",
            "1",
            "s3://k:s@lake/a.csv",
            "--kind",
            "current",
            "--user",
            personas.scientist.username,
        )


def test_api_registers_with_202_and_the_job_is_polled(
    s3_server, version, personas, api, django_capture_on_commit_callbacks
):
    uri = _put(s3_server, "api.csv", csv_bytes(make_frame(150, seed=1)))
    client = api(personas.scientist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/dataset-imports/",
            {"model": "churn", "version": 1, "kind": "reference", "uri": uri},
            format="json",
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"] == body["poll_url"] and body["uri"] == uri
    polled = client.get(body["poll_url"]).json()
    assert polled["status"] == "succeeded" and polled["dataset"] is not None
    dataset = client.get(f"/api/v1/datasets/{polled['dataset']}/").json()
    assert dataset["source_uri"] == uri and dataset["n_rows"] == 150
    refused = client.post(
        "/api/v1/dataset-imports/",
        {"model": "churn", "version": 1, "kind": "reference", "uri": "s3://a:b@lake/x.csv"},
        format="json",
    )
    assert refused.status_code == 400 and "credentials" in refused.content.decode()
    assert (
        api(personas.auditor)
        .post(
            "/api/v1/dataset-imports/", {"model": "churn", "version": 1, "kind": "reference", "uri": uri}, format="json"
        )
        .status_code
        == 403
    )


def test_page_registers_by_uri_and_keeps_input_on_error(
    s3_server, version, personas, client, django_capture_on_commit_callbacks
):
    client.force_login(personas.scientist)
    bad = client.post("/monitoring/upload/", {"version": version.pk, "kind": "reference", "uri": "ftp://x/a.csv"})
    assert bad.status_code == 400 and "Unsupported URI scheme" in bad.content.decode()
    assert 'value="ftp://x/a.csv"' in bad.content.decode()
    both = client.post("/monitoring/upload/", {"version": version.pk, "kind": "reference"})
    assert both.status_code == 400 and "one of them" in both.content.decode()
    uri = _put(s3_server, "page.csv", csv_bytes(make_frame(90, seed=1)))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/monitoring/upload/", {"version": version.pk, "kind": "reference", "uri": uri}, follow=True
        )
    assert response.status_code == 200 and "a worker is reading it now" in response.content.decode()
    assert DatasetImport.objects.get().status == "succeeded"


def test_parse_uri_normalises_and_keeps_abfss_container():
    src = sources.parse_uri("abfss://models@acct.dfs.core.windows.net/churn/ref.parquet", file_roots=[])
    assert src.scheme == "abfss" and src.filename == "ref.parquet"
    with pytest.raises(sources.SourceError, match="no user name or password"):
        sources.parse_uri("abfss://c:key@acct.dfs.core.windows.net/ref.parquet", file_roots=[])


def test_api_takes_file_uris_under_the_allow_listed_roots_only(
    tmp_path, version, personas, api, settings, django_capture_on_commit_callbacks
):
    """Issue #19: file:// through the API too; a path the operator's allow-list refuses is a 403 naming the rule."""
    allowed = tmp_path / "lake"
    allowed.mkdir()
    (allowed / "ref.csv").write_bytes(csv_bytes(make_frame(120, seed=3)))
    client = api(personas.scientist)
    body = {"model": "churn", "version": 1, "kind": "reference"}
    off = client.post("/api/v1/dataset-imports/", {**body, "uri": f"file://{allowed}/ref.csv"}, format="json")
    assert off.status_code == 403 and "file:// URIs are off" in off.json()["detail"]
    settings.MLOPS_GOV = {**settings.MLOPS_GOV, "DATASET_FILE_ROOTS": [str(allowed)]}
    outside = client.post("/api/v1/dataset-imports/", {**body, "uri": f"file://{tmp_path}/x.csv"}, format="json")
    assert outside.status_code == 403 and "outside the folders allow-listed" in outside.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        taken = client.post("/api/v1/dataset-imports/", {**body, "uri": f"file://{allowed}/ref.csv"}, format="json")
    assert taken.status_code == 202, taken.content
    polled = client.get(taken.json()["poll_url"]).json()
    assert polled["status"] == "succeeded", polled
    assert DatasetImport.objects.count() == 1
