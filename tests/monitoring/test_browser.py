"""The check page's live progress bar, in a real browser: it follows the job's JSON and shows the result."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from mlops_gov.roles import ROLE_DATA_SCIENTIST
from monitoring import services
from monitoring.models import DriftCheck
from tests.fixtures.browser import login
from tests.monitoring.factories import csv_bytes, make_frame


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_progress_bar_follows_the_job_then_shows_results(page, live_server, personas):
    from registry import services as registry_services

    personas.scientist.set_password("Browser-pass-123")
    personas.scientist.save()
    assert personas.scientist.groups.filter(name=ROLE_DATA_SCIENTIST).exists() and Group.objects.exists()
    model = registry_services.model_create(actor=personas.scientist, name="churn", team=personas.team)
    version = registry_services.version_create(model=model, actor=personas.scientist, source_uri="s3://m/1")
    services.dataset_upload(
        version=version, kind="reference", data=csv_bytes(make_frame(200)), filename="r.csv", actor=personas.scientist
    )
    current = services.dataset_upload(
        version=version,
        kind="current",
        data=csv_bytes(make_frame(200, shift=1.0, seed=3)),
        filename="c.csv",
        actor=personas.scientist,
        trigger_check=False,
    )
    check = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    DriftCheck.objects.filter(pk=check.pk).update(status="running", progress=10)

    login(page, live_server.url, "sam", "Browser-pass-123")
    page.goto(f"{live_server.url}/monitoring/checks/{check.pk}/")
    assert page.locator("#check-progress").get_attribute("value") == "10"
    DriftCheck.objects.filter(pk=check.pk).update(progress=55)
    page.wait_for_function("document.getElementById('check-progress').value === 55")
    assert "55%" in page.locator("#check-progress-text").inner_text()
    # The job finishes (run it for real); the page reloads by itself and shows the per-column table.
    DriftCheck.objects.filter(pk=check.pk).update(status="queued", progress=0)
    services.check_run(check_id=check.pk)
    page.wait_for_selector("[data-testid=column-table]")
    assert page.get_by_test_id("check-status").inner_text() == "succeeded"
    assert page.get_by_test_id("drift-chart").count() >= 1
