"""Uploads, drift checks, quality, alerts, gate, sweep: the service layer end to end (eager Celery)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from mlops_gov.errors import ConflictError, DomainError, PermissionError_
from monitoring import selectors, services
from monitoring.domain.drift import DriftConfig, compute_drift
from monitoring.domain.profile import ColumnSpec, ReferenceProfile
from monitoring.models import Alert, ColumnResult, Dataset, DriftCheck
from monitoring.templatetags import drift_charts
from registry.models import AuditEvent, PromotionPolicy
from tests.monitoring.factories import csv_bytes, make_frame

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload_current(upload):
    return lambda version, personas, frame, **kwargs: upload(version, frame, **kwargs)


def test_reference_upload_stores_profile_schema_and_audit(reference):
    assert reference.n_rows == 400 and reference.n_columns == 6
    assert [c["name"] for c in reference.schema] == ["age", "income", "score", "city"]
    assert reference.roles == {"target": "label", "prediction": "pred"}
    profile = services.read_profile(reference)
    assert profile.n_rows == 400 and profile.categories("city").keys() == {"paris", "lyon", "nice"}
    assert reference.model_quality["task"] == "classification" and "accuracy" in reference.model_quality["metrics"]
    event = AuditEvent.objects.get(action="dataset.uploaded")
    assert event.after["sha256"] == reference.sha256 and event.model_name == "churn"


def test_current_batch_runs_check_with_results_equal_to_engine(version, reference, personas, upload_current):
    frame = make_frame(300, shift=0.8, seed=5, with_quality=True)
    current = upload_current(version, personas, frame)
    check = current.current_checks.get()
    assert check.status == "succeeded" and check.progress == 100 and check.finished_at is not None
    expected = compute_drift(
        services.read_profile(reference),
        services.read_frame(current, ["age", "income", "score", "city"]),
        DriftConfig(),
    )
    stored = {c.column: c for c in check.columns.all()}
    for col in expected.columns:
        assert stored[col.column].score == pytest.approx(col.score, abs=1e-12)
        assert stored[col.column].detected == col.detected and stored[col.column].method == col.method
    assert check.dataset_drift is True and check.drift_share == expected.share
    # Data quality: unseen categories and values beyond the reference range are found.
    city = next(c for c in check.data_quality["columns"] if c["column"] == "city")
    assert city["unseen_categories"] > 0 and set(city["unseen_examples"]) <= {"lille", "brest"}
    score = next(c for c in check.data_quality["columns"] if c["column"] == "score")
    assert score["out_of_range"] > 0
    assert {m["metric"] for m in check.model_quality["metrics"]} >= {"accuracy", "precision", "recall", "f1"}
    assert check.model_quality["degraded"] and Alert.objects.filter(kind="quality", check_run=check).exists()
    # Drift raises one alert, with its audit event; the drifted columns carry chart data.
    alert = Alert.objects.get(kind="drift")
    assert alert.check_run == check and AuditEvent.objects.filter(action="alert.drift").count() == 1
    assert all(c.distribution for c in check.columns.filter(detected=True))
    assert AuditEvent.objects.filter(action="drift_check.succeeded").count() == 1


def test_no_drift_on_same_distribution_and_gate(version, reference, personas, upload_current):
    upload_current(version, personas, make_frame(400, seed=1, with_quality=True))
    check = DriftCheck.objects.get()
    assert check.dataset_drift is False
    from monitoring.gates import drift_gate

    policy = PromotionPolicy.objects.get(risk_tier="high")
    result = drift_gate(version, policy)
    assert result.passed, result.detail
    DriftCheck.objects.filter(pk=check.pk).update(
        finished_at=timezone.now() - timedelta(days=policy.max_drift_check_age_days + 1)
    )
    assert not drift_gate(version, policy).passed


def test_drift_gate_fails_without_check_and_with_drift(version, reference, personas, upload_current):
    from monitoring.gates import drift_gate

    policy = PromotionPolicy.objects.get(risk_tier="high")
    assert "No succeeded drift check" in drift_gate(version, policy).detail
    upload_current(version, personas, make_frame(300, shift=1.0, seed=3, with_quality=True))
    result = drift_gate(version, policy)
    assert not result.passed and "found dataset drift" in result.detail


def test_schema_mismatch_refused_and_nothing_written(version, reference, personas, upload_current):
    files_before = set(default_storage.listdir("monitoring/datasets")[1])
    with pytest.raises(DomainError, match="missing columns: city"):
        upload_current(version, personas, make_frame(50).drop(columns=["city"]))
    assert Dataset.objects.count() == 1 and DriftCheck.objects.count() == 0
    assert set(default_storage.listdir("monitoring/datasets")[1]) == files_before


def test_current_without_reference_and_permissions(version, personas, upload_current):
    with pytest.raises(ConflictError, match="no reference dataset"):
        upload_current(version, personas, make_frame(20))
    with pytest.raises(PermissionError_):
        services.dataset_upload(
            version=version, kind="reference", data=csv_bytes(make_frame(20)), filename="r.csv", actor=personas.outsider
        )


def test_check_delivered_twice_stores_one_result(version, reference, personas, upload_current):
    current = upload_current(version, personas, make_frame(200, seed=2), trigger_check=False)
    check = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    assert services.check_run(check_id=check.pk) is True
    assert services.check_run(check_id=check.pk) is False  # the second delivery finds it finished
    assert ColumnResult.objects.filter(check_run=check).count() == 4
    assert AuditEvent.objects.filter(action="drift_check.succeeded").count() == 1


def test_failed_job_has_message_and_worker_survives(version, reference, personas, monkeypatch, upload_current):
    current = upload_current(version, personas, make_frame(100, seed=2), trigger_check=False)
    check = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)

    def broken(*args, **kwargs):
        raise ValueError("Column 'age' exploded")

    monkeypatch.setattr("monitoring.services.checks.compute_drift", broken)
    services.check_run(check_id=check.pk)
    check.refresh_from_db()
    assert check.status == "failed" and "Column 'age' exploded" in check.error and check.finished_at
    assert Alert.objects.filter(kind="check_failed", check_run=check).exists()
    assert not ColumnResult.objects.filter(check_run=check).exists()


def test_per_model_config_is_validated_and_used(version, reference, personas, upload_current):
    with pytest.raises(DomainError, match="Invalid drift configuration"):
        services.config_update(model=version.model, actor=personas.scientist, drift_config={"bogus": 1})
    services.config_update(
        model=version.model, actor=personas.scientist, drift_config={"drift_share": 0.9, "num_stattest": "psi"}
    )
    upload_current(version, personas, make_frame(300, shift=0.3, seed=3))
    check = DriftCheck.objects.get()
    assert check.drift_share_threshold == 0.9
    assert {c.method for c in check.columns.filter(kind="numerical")} == {"PSI"}


def test_stale_data_alert_once_per_gap(version, reference, personas):
    from registry import services as registry_services

    registry_services.version_transition(version=version, target="staging", actor=personas.engineer)
    version.refresh_from_db()
    type(version).objects.filter(pk=version.pk).update(
        stage="production", stage_changed_at=timezone.now() - timedelta(days=10)
    )
    assert services.stale_data_alerts() == 1
    assert services.stale_data_alerts() == 0
    assert Alert.objects.get(kind="stale_data").version_id == version.pk


def test_sweep_requeues_abandoned_checks_and_fails_exhausted(version, reference, personas, upload_current):
    current = upload_current(version, personas, make_frame(100, seed=2), trigger_check=False)
    check = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    past = timezone.now() - timedelta(minutes=1)
    DriftCheck.objects.filter(pk=check.pk).update(status="running", attempts=1, lease_expires_at=past)
    counts = services.sweep()
    check.refresh_from_db()
    assert counts["requeued"] == 1 and check.status == "succeeded" and check.attempts == 2
    other = services.check_create(version=version, current=current, actor=personas.scientist, enqueue=False)
    DriftCheck.objects.filter(pk=other.pk).update(status="running", attempts=3, lease_expires_at=past)
    services.sweep()
    other.refresh_from_db()
    assert other.status == "failed" and "too many times" in other.error


def test_report_context_and_portfolio_row(version, reference, personas, upload_current):
    assert selectors.portfolio_row(version=version) == {
        "drift_status": "no check",
        "drift_share": None,
        "last_check_at": None,
    }
    upload_current(version, personas, make_frame(300, shift=1.0, seed=3))
    row = selectors.portfolio_row(version=version)
    assert row["drift_status"] == "drift" and row["drift_share"] > 0.5 and row["last_check_at"]
    ctx = selectors.report_context(version=version)
    # one check is not a trend: no time chart (selectors give the data; the drift_charts tags draw it)
    assert ctx["has_checks"] and drift_charts.drift_trend_chart(ctx["trend"]["points"], ctx["trend"]["threshold"]) == ""
    upload_current(version, personas, make_frame(300, shift=1.0, seed=4))
    ctx = selectors.report_context(version=version)
    trend_svg = drift_charts.drift_trend_chart(ctx["trend"]["points"], ctx["trend"]["threshold"])
    assert ctx["has_checks"] and trend_svg.startswith("<svg") and "<?xml" not in trend_svg
    first = ctx["drifted_charted"][0]
    assert drift_charts.distribution_chart(first.distribution, first.column).startswith("<svg")
    from django.template.loader import render_to_string

    html = render_to_string("monitoring/report_section.html", ctx)
    assert "dataset drift detected" in html and "<script" not in html and "<img" not in html


def test_report_section_says_no_check(version):
    from django.template.loader import render_to_string

    html = render_to_string("monitoring/report_section.html", selectors.report_context(version=version))
    assert "No drift check recorded" in html


def test_profile_reused_not_recomputed(version, reference, personas, monkeypatch, upload_current):
    calls = []
    original = vars(ReferenceProfile)["from_frame"].__func__

    def spy(cls, frame, columns: list[ColumnSpec]):
        calls.append(1)
        return original(cls, frame, columns)

    monkeypatch.setattr(ReferenceProfile, "from_frame", classmethod(spy))
    upload_current(version, personas, make_frame(100, seed=4))
    upload_current(version, personas, make_frame(100, seed=5))
    assert DriftCheck.objects.filter(status="succeeded").count() == 2 and calls == []
