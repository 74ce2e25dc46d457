"""Every evidence rule, with its evidence present and absent, through the real services that create the evidence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from registry import services as rs
from registry.choices import MODEL_CARD_FIELDS
from registry.evidence import registered_rules, run_rule, subject_for
from registry.models import PromotionPolicy
from tests.monitoring.factories import csv_bytes, make_frame

FULL_CARD = {name: f"{name.replace('_', ' ')} text" for name in MODEL_CARD_FIELDS}
LINEAGE = {
    "artifact_sha256": "a" * 64,
    "code_repository": "https://git.example.org/credit",
    "code_commit": "4f2a9c1",
    "training_dataset": "s3://data/credit/2026-11.parquet",
    "parameters": {"max_depth": 3},
    "metrics": {"accuracy": 0.91},
    "run_id": "run-17",
    "input_signature": {"features": ["age", "income", "score", "city"]},
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def observe(model, rule_id: str, **params):
    return run_rule(rule_id, subject_for(model), params)


def make_model(personas, name="credit", **fields):
    fields.setdefault("risk_tier", "low")
    return rs.model_create(actor=personas.scientist, name=name, team=personas.team, **fields)


def make_version(personas, model, *, card=True, staging=True, **fields):
    version = rs.version_create(
        model=model, actor=personas.scientist, source_uri=f"s3://models/{model.name}/model.skops", **fields
    )
    if card:
        rs.card_update(version=version, actor=personas.scientist, **FULL_CARD)
    if staging:
        rs.version_transition(version=version, target="staging", actor=personas.scientist)
    version.refresh_from_db()
    return version


def promote(personas, version):
    request, _ = rs.promotion_request_create(version=version, actor=personas.scientist, justification="Better.")
    rs.promotion_decide(request=request, actor=personas.approver, decision="approve", comment="Sound.")
    version.refresh_from_db()
    assert version.stage == "production", request.gate_results
    return request


@pytest.fixture
def bare(personas):
    """A model with its registration only: no goal, no version."""
    return make_model(personas, name="bare")


@pytest.fixture
def production(personas):
    """A low-risk model whose v2 is in production, fully documented; v1 stays in staging."""
    model = make_model(personas, business_goal="Cut credit losses.", success_kpi="Loss rate -5% in a year.")
    make_version(personas, model, **LINEAGE)
    v2 = make_version(personas, model, **{**LINEAGE, "code_commit": "9b1e3d7", "artifact_sha256": "b" * 64})
    promote(personas, v2)
    return v2


def test_at_least_fifteen_rules_from_every_app():
    rules = registered_rules()
    assert len(rules) >= 15
    assert {r.app for r in rules.values()} == {"registry", "monitoring", "assessments", "reports"}
    assert all(r.version >= 1 and r.description for r in rules.values())


def test_an_unknown_rule_observes_nothing(bare):
    finding = observe(bare, "registry.no-such-rule")
    assert finding.status == "no" and "No evidence rule named" in finding.detail


# --- registry -------------------------------------------------------------------------------------------------------


def test_business_goal(production, bare, personas):
    assert observe(production.model, "registry.business-goal").status == "yes"
    assert observe(bare, "registry.business-goal").status == "no"
    rs.model_update(model=bare, actor=personas.scientist, business_goal="Route lots.")
    bare.refresh_from_db()
    finding = observe(bare, "registry.business-goal")
    assert finding.status == "partly" and "missing: success KPI" in finding.detail


def test_risk_assessed(production, bare, personas):
    yes = observe(production.model, "registry.risk-assessed")
    assert yes.status == "yes" and {e.kind for e in yes.evidence} >= {"promotion_policy", "model_version"}
    assert observe(bare, "registry.risk-assessed").status == "no"
    make_version(personas, bare, card=False)
    assert observe(bare, "registry.risk-assessed").status == "partly"  # a tier with a policy, no stated uses


def test_inventory(production, personas):
    assert observe(production.model, "registry.inventory").status == "yes"
    lone = rs.model_create(actor=personas.scientist, name="lone", risk_tier="low")
    finding = observe(lone, "registry.inventory")
    assert finding.status == "partly" and "team" not in finding.detail


def test_model_card(production, bare, personas):
    assert observe(production.model, "registry.model-card").status == "yes"
    version = make_version(personas, bare, card=False)
    assert observe(bare, "registry.model-card").status == "no"
    rs.card_update(version=version, actor=personas.scientist, intended_use="Triage.")
    finding = observe(bare, "registry.model-card")  # the low-risk policy requires intended_use only
    assert finding.status == "partly" and "caveats" in finding.detail


def test_code_lineage(production, bare, personas):
    finding = observe(production.model, "registry.code-lineage")
    assert finding.status == "yes" and "9b1e3d7" in finding.detail
    make_version(personas, bare)
    assert observe(bare, "registry.code-lineage").status == "no"
    make_version(personas, bare, code_repository="https://git.example.org/x")
    assert observe(bare, "registry.code-lineage").status == "partly"


def test_lineage(production, bare, personas):
    assert observe(production.model, "registry.lineage").status == "yes"
    make_version(personas, bare)
    finding = observe(bare, "registry.lineage")
    assert finding.status == "no" and "missing: training data" in finding.detail
    make_version(personas, bare, run_id="run-1")
    assert observe(bare, "registry.lineage").status == "partly"


def test_experiment_tracking(production, bare, personas):
    assert observe(production.model, "registry.experiment-tracking").status == "yes"
    make_version(personas, bare)
    assert observe(bare, "registry.experiment-tracking").status == "no"
    make_version(personas, bare, metrics={"accuracy": 0.8})
    assert observe(bare, "registry.experiment-tracking").status == "partly"


def test_input_signature(production, bare, personas):
    finding = observe(production.model, "registry.input-signature")
    assert finding.status == "yes" and "4 features" in finding.detail
    make_version(personas, bare)
    assert observe(bare, "registry.input-signature").status == "no"


def test_stage_history(production, bare, personas):
    finding = observe(production.model, "registry.stage-history")
    assert finding.status == "yes" and any(e.kind == "promotion_request" for e in finding.evidence)
    assert observe(bare, "registry.stage-history").status == "no"
    make_version(personas, bare, staging=False)
    assert observe(bare, "registry.stage-history").status == "partly"


def test_approvals(production, bare, personas):
    finding = observe(production.model, "registry.approvals")
    assert finding.status == "yes" and "1 independent approval(s); the policy requires 1" in finding.detail
    assert finding.evidence[0].url.startswith("/") and finding.evidence[0].kind == "promotion_request"
    make_version(personas, bare)
    assert observe(bare, "registry.approvals").status == "no"  # nothing in production
    policy = PromotionPolicy.objects.get(risk_tier="low")
    rs.policy_update(policy=policy, actor=personas.admin, approvals_required=2)
    assert observe(production.model, "registry.approvals").status == "partly"


def test_rollback_candidate(production, bare, personas):
    finding = observe(production.model, "registry.rollback-candidate")
    assert finding.status == "partly" and "v1 (staging)" in finding.detail
    assert observe(bare, "registry.rollback-candidate").status == "no"
    only = make_model(personas, name="only-one")
    promote(personas, make_version(personas, only, **LINEAGE))
    assert observe(only, "registry.rollback-candidate").status == "no"  # nothing earlier to go back to


def test_rollback_rehearsed_is_yes(personas):
    model = make_model(personas, name="rehearsed")
    v1 = make_version(personas, model, **LINEAGE)
    promote(personas, v1)
    promote(personas, make_version(personas, model, **LINEAGE))  # archives v1
    rs.version_transition(version=v1, target="staging", actor=personas.scientist)  # the rehearsal
    finding = observe(model, "registry.rollback-candidate")
    assert finding.status == "yes" and "a rollback was done" in finding.detail


def test_release_validation(production, personas):
    policy = PromotionPolicy.objects.get(risk_tier="low")
    assert observe(production.model, "registry.release-validation").status == "no"  # no thresholds set
    rs.policy_update(policy=policy, actor=personas.admin, metric_thresholds={"accuracy": {"min": 0.9}})
    finding = observe(production.model, "registry.release-validation")
    assert finding.status == "yes" and "accuracy=0.91" in finding.detail
    rs.policy_update(policy=policy, actor=personas.admin, metric_thresholds={"accuracy": {"min": 0.95}})
    assert observe(production.model, "registry.release-validation").status == "partly"
    rs.policy_update(
        policy=policy, actor=personas.admin, metric_thresholds={"accuracy": {"min": 0.9}}, required_gates=["model_card"]
    )
    assert observe(production.model, "registry.release-validation").status == "partly"  # set but not enforced


# --- monitoring -----------------------------------------------------------------------------------------------------


def upload_reference(personas, version):
    from monitoring import services

    return services.dataset_upload(
        version=version,
        kind="reference",
        data=csv_bytes(make_frame(with_quality=True)),
        filename="ref.csv",
        actor=personas.scientist,
        roles={"target": "label", "prediction": "pred"},
    )


def upload_batch(personas, version, django_capture_on_commit_callbacks, *, with_quality=True, **kwargs):
    from monitoring import services

    with django_capture_on_commit_callbacks(execute=True):
        return services.dataset_upload(
            version=version,
            kind="current",
            data=csv_bytes(make_frame(seed=2, with_quality=with_quality)),
            filename="cur.csv",
            actor=personas.scientist,
            roles={"target": "label", "prediction": "pred"} if with_quality else None,
            **kwargs,
        )


@pytest.fixture
def monitored(production, personas, django_capture_on_commit_callbacks):
    """The production version with a reference and one current batch checked on upload."""
    upload_reference(personas, production)
    upload_batch(personas, production, django_capture_on_commit_callbacks)
    return production


def test_reference_profile(monitored, production, personas, bare):
    finding = observe(monitored.model, "monitoring.reference-profile")
    assert finding.status == "yes" and finding.evidence[0].kind == "dataset"
    version = make_version(personas, bare)
    assert observe(bare, "monitoring.reference-profile").status == "no"
    assert version.pk


def test_training_data_hash(monitored, bare, personas):
    assert observe(monitored.model, "monitoring.training-data-hash").status == "yes"
    make_version(personas, bare)
    assert observe(bare, "monitoring.training-data-hash").status == "no"
    make_version(personas, bare, training_dataset="s3://data/x.csv")
    assert observe(bare, "monitoring.training-data-hash").status == "partly"  # named, not hashed


def test_drift_checks(monitored, personas, django_capture_on_commit_callbacks):
    from monitoring import services
    from monitoring.models import DriftCheck

    finding = observe(monitored.model, "monitoring.drift-checks")
    assert (
        finding.status == "yes" and finding.evidence[0].kind == "drift_check" and "upload" in finding.evidence[0].label
    )
    DriftCheck.objects.update(finished_at=timezone.now() - timedelta(days=40))
    assert observe(monitored.model, "monitoring.drift-checks").status == "no"
    assert observe(monitored.model, "monitoring.drift-checks", days=60).status == "yes"  # the window is a parameter
    batch = upload_batch(personas, monitored, django_capture_on_commit_callbacks, trigger_check=False)
    check = services.check_create(version=monitored, current=batch, actor=personas.scientist, enqueue=False)
    services.check_run(check_id=check.pk)
    assert observe(monitored.model, "monitoring.drift-checks").status == "partly"  # only started by hand


def test_data_quality(monitored, production, bare, personas):
    assert observe(monitored.model, "monitoring.data-quality").status == "yes"
    make_version(personas, bare)
    assert observe(bare, "monitoring.data-quality").status == "no"


def test_serving_validation(monitored, bare, personas):
    from monitoring.models import Dataset

    assert observe(monitored.model, "monitoring.serving-validation").status == "yes"
    Dataset.objects.filter(kind="current").update(created_at=timezone.now() - timedelta(days=45))
    assert observe(monitored.model, "monitoring.serving-validation").status == "partly"
    make_version(personas, bare)
    assert observe(bare, "monitoring.serving-validation").status == "no"


def test_quality_labels(production, personas, bare, django_capture_on_commit_callbacks):
    upload_reference(personas, production)
    upload_batch(personas, production, django_capture_on_commit_callbacks, with_quality=False)
    assert observe(production.model, "monitoring.quality-labels").status == "no"  # drift checked, no labels
    upload_batch(personas, production, django_capture_on_commit_callbacks)
    finding = observe(production.model, "monitoring.quality-labels")
    assert finding.status == "yes" and finding.evidence[0].kind == "drift_check"


def _alert_rule(model=None, events=("drift", "stale_data")):
    from monitoring.models import AlertRule

    return AlertRule.objects.create(
        name=f"on-call {len(events)}", model=model, events=list(events), emails=["ml-oncall@example.org"]
    )


def test_alert_routing(production):
    from monitoring.models import Delivery

    assert observe(production.model, "monitoring.alert-routing").status == "no"
    rule = _alert_rule(events=("drift",))
    finding = observe(production.model, "monitoring.alert-routing")
    assert finding.status == "partly" and "no delivery has succeeded" in finding.detail
    rule.events = ["drift", "stale_data"]
    rule.save()
    Delivery.objects.create(
        rule=rule,
        event="drift",
        channel="email",
        target="ml-oncall@example.org",
        status="succeeded",
        delivered_at=timezone.now(),
    )
    finding = observe(production.model, "monitoring.alert-routing")
    assert finding.status == "yes" and [e.kind for e in finding.evidence] == ["alert_rule", "delivery"]
    rule.enabled = False
    rule.save()
    assert observe(production.model, "monitoring.alert-routing").status == "no"


def test_monitoring_plan(monitored, bare):
    from monitoring.models import MonitoringConfig

    assert observe(bare, "monitoring.monitoring-plan").status == "no"
    assert observe(monitored.model, "monitoring.monitoring-plan").status == "partly"  # a check, no config or routing
    MonitoringConfig.objects.create(model=monitored.model, stale_after_hours=48)
    _alert_rule(model=monitored.model)
    finding = observe(monitored.model, "monitoring.monitoring-plan")
    assert finding.status == "yes" and "stale after 48 h" in finding.detail


# --- reports --------------------------------------------------------------------------------------------------------


def _report(version, *, verified=True, at=None):
    from reports.models import GovernanceReport

    at = at or timezone.now()
    return GovernanceReport.objects.create(
        model=version.model,
        version=version,
        model_name=version.model.name,
        version_number=version.version,
        status="succeeded",
        sha256="c" * 64,
        chain_sequence=10,
        chain_verified=verified,
        created_at=at,
        finished_at=at,
    )


def test_promotion_report(production, bare, personas):
    from reports.models import GovernanceReport

    GovernanceReport.objects.all().delete()  # the promotion queued one; judge from a clean slate
    assert observe(production.model, "reports.promotion-report").status == "no"
    _report(production, at=production.stage_changed_at - timedelta(days=1))
    assert observe(production.model, "reports.promotion-report").status == "partly"
    report = _report(production)
    finding = observe(production.model, "reports.promotion-report")
    assert finding.status == "yes" and finding.evidence[0].id == str(report.pk)
    assert finding.evidence[0].url == f"/reports/{report.pk}/"
    assert observe(bare, "reports.promotion-report").status == "no"


def test_audit_verified(production):
    from reports.models import GovernanceReport

    GovernanceReport.objects.all().delete()
    finding = observe(production.model, "reports.audit-verified")
    assert finding.status == "partly" and finding.evidence[0].kind == "audit_event"
    _report(production, at=timezone.now() - timedelta(days=60))
    assert observe(production.model, "reports.audit-verified").status == "partly"  # too old
    _report(production)
    assert observe(production.model, "reports.audit-verified").status == "yes"
    _report(production, verified=False)
    assert observe(production.model, "reports.audit-verified").status == "no"


# --- assessments ----------------------------------------------------------------------------------------------------


def test_regular_review(frameworks, production, personas):
    from assessments import services
    from assessments.models import Assessment

    model = production.model
    assert observe(model, "assessments.regular-review").status == "no"

    def submit():
        assessment = services.assessment_create(model=model, actor=personas.scientist)
        items = [{"question": q, "value": 0.5} for q in frameworks["lifecycle"].questions()]
        services.answers_save(assessment=assessment, actor=personas.scientist, answers=items)
        return services.assessment_submit(assessment=assessment, actor=personas.scientist)

    first = submit()
    assert observe(model, "assessments.regular-review").status == "partly"
    submit()
    finding = observe(model, "assessments.regular-review")
    assert finding.status == "yes" and finding.evidence[0].kind == "assessment"
    Assessment.objects.update(submitted_at=timezone.now() - timedelta(days=400))
    assert observe(model, "assessments.regular-review").status == "partly"  # older than the policy accepts
    assert first.pk
