"""Monitoring pages: dashboard, upload, version, check page (table, SVG charts, quality, report link, progress)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from monitoring.models import Dataset, DriftCheck
from tests.monitoring.factories import csv_bytes, make_frame

pytestmark = pytest.mark.django_db


def logged_in(client, user):
    client.force_login(user)
    return client


def test_dashboard_lists_production_models_and_checks(client, personas, version, reference, upload):
    upload(version, make_frame(300, shift=1.0, seed=3))
    type(version).objects.filter(pk=version.pk).update(stage="production")
    response = logged_in(client, personas.auditor).get(reverse("monitoring:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "churn v1" in html and 'class="badge drift"' in html and "Data drift" in html
    assert logged_in(client, personas.nobody).get(reverse("monitoring:dashboard")).status_code == 403


def test_check_page_shows_results_charts_quality_and_report_link(client, personas, version, reference, upload):
    upload(version, make_frame(300, shift=1.0, seed=3, with_quality=True))
    check = DriftCheck.objects.get()
    html = (
        logged_in(client, personas.scientist).get(reverse("monitoring:check-detail", args=[check.pk])).content.decode()
    )
    assert 'data-testid="column-table"' in html and "Dataset drift detected" in html
    assert html.count('data-testid="drift-chart"') == check.columns.filter(detected=True).count() > 0
    assert "<svg" in html and "<?xml" not in html
    assert 'data-testid="quality-table"' in html and 'data-testid="model-quality-table"' in html
    assert reverse("monitoring:check-report", args=[check.pk]) in html
    status = client.get(reverse("monitoring:check-status", args=[check.pk])).json()
    assert status["status"] == "succeeded" and status["progress"] == 100


def test_progress_bar_while_running(client, personas, version, reference):
    from monitoring import services

    current = services.dataset_upload(
        version=version,
        kind="current",
        data=csv_bytes(make_frame(50)),
        filename="c.csv",
        actor=personas.scientist,
        trigger_check=False,
    )
    check = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    DriftCheck.objects.filter(pk=check.pk).update(status="running", progress=42)
    html = (
        logged_in(client, personas.scientist).get(reverse("monitoring:check-detail", args=[check.pk])).content.decode()
    )
    assert '<progress id="check-progress" value="42"' in html and "status.json" in html


def test_evidently_report_generated_once_and_sandboxed(client, personas, version, reference, upload):
    upload(version, make_frame(200, shift=1.0, seed=3))
    check = DriftCheck.objects.get()
    client = logged_in(client, personas.auditor)
    url = reverse("monitoring:check-report", args=[check.pk])
    building = client.get(url)  # answered at once: a page that says the report is being built, and builds it
    assert building.status_code == 202 and 'data-testid="report-building"' in building.content.decode()
    check.refresh_from_db()
    assert not check.report_file
    response = client.get(url, {"build": "1"})
    assert response.status_code == 200 and response["Content-Security-Policy"] == "sandbox allow-scripts"
    assert b"<script" in response.content and b"root_metric" in response.content
    check.refresh_from_db()
    assert check.report_file
    assert client.get(reverse("monitoring:check-report", args=[check.pk])).content == response.content


def test_upload_page_accepts_a_file_and_shows_errors(client, personas, version, django_capture_on_commit_callbacks):
    client = logged_in(client, personas.scientist)
    assert client.get(reverse("monitoring:upload")).status_code == 200
    form = {"version": version.pk, "kind": "reference", "file": SimpleUploadedFile("r.csv", csv_bytes(make_frame(50)))}
    response = client.post(reverse("monitoring:upload"), form)
    assert response.status_code == 302 and Dataset.objects.count() == 1
    bad = {"version": version.pk, "kind": "current", "file": SimpleUploadedFile("c.csv", b"age,zzz\n1,2\n")}
    response = client.post(reverse("monitoring:upload"), bad)
    assert response.status_code == 400 and "does not match the reference schema" in response.content.decode()
    assert Dataset.objects.count() == 1


def test_version_page_runs_a_check(client, personas, version, reference, django_capture_on_commit_callbacks):
    from monitoring import services

    current = services.dataset_upload(
        version=version,
        kind="current",
        data=csv_bytes(make_frame(60)),
        filename="c.csv",
        actor=personas.scientist,
        trigger_check=False,
    )
    client = logged_in(client, personas.scientist)
    page = client.get(reverse("monitoring:version-detail", args=["churn", 1])).content.decode()
    assert reverse("monitoring:check-create", args=[current.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("monitoring:check-create", args=[current.pk]))
    check = DriftCheck.objects.get()
    assert response.status_code == 302 and check.status == "succeeded"
    outsider = logged_in(client, personas.outsider).post(reverse("monitoring:check-create", args=[current.pk]))
    assert outsider.status_code == 302 and DriftCheck.objects.count() == 1


def test_dashboard_cards(personas, version, reference, upload):
    from monitoring.selectors import dashboard_cards

    upload(version, make_frame(300, shift=1.0, seed=3))
    type(version).objects.filter(pk=version.pk).update(stage="production")
    cards = {c["label"]: c["value"] for c in dashboard_cards(user=personas.auditor)}
    assert cards["Production models drifting"] == 1 and cards["Alerts (7 days)"] == 1
    assert dashboard_cards(user=personas.nobody) == []


def test_large_report_is_built_by_a_worker(client, personas, version, reference, upload, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr("monitoring.views.INLINE_REPORT_ROWS", 10)
    upload(version, make_frame(200, shift=1.0, seed=3))
    check = DriftCheck.objects.get()
    client = logged_in(client, personas.auditor)
    pending = client.get(reverse("monitoring:check-report", args=[check.pk]))
    assert pending.status_code == 202 and b'data-testid="report-pending"' in pending.content
    check.refresh_from_db()
    assert check.report_file  # eager Celery: the worker task already ran
    ready = client.get(reverse("monitoring:check-report", args=[check.pk]))
    assert ready.status_code == 200 and b"root_metric" in ready.content
