"""Observed maturity: the pure engine (declared vs observed), the stored measurements, the questionnaire, the
gate, the API, the model page and the report."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any, cast

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from assessments import services
from assessments.domain import observed, scoring
from assessments.models import Measurement, Observation
from registry.evidence import EvidenceRule, registered_rules
from registry.models import AuditEvent

TINY = {
    "slug": "tiny",
    "name": "Tiny",
    "edition": "1",
    "method": "weighted",
    "scales": {
        "practice": [{"value": 0, "label": "No"}, {"value": 0.5, "label": "Partly"}, {"value": 1, "label": "Yes"}]
    },
    "bands": [{"max": 0.5, "label": "Low"}, {"max": None, "label": "High"}],
    "dimensions": [
        {
            "id": "d1",
            "name": "One",
            "questions": [
                {
                    "id": "q1",
                    "text": "Q1?",
                    "scale": "practice",
                    "recommendation": "Do q1.",
                    "weight": 2,
                    "evidence": {"rule": "registry.model-card", "version": 1},
                },
                {
                    "id": "q2",
                    "text": "Q2?",
                    "scale": "practice",
                    "recommendation": "Do q2.",
                    "evidence": {"rule": "registry.input-signature", "version": 1},
                },
                {"id": "q3", "text": "Q3?", "scale": "practice", "recommendation": "Do q3.", "allow_na": True},
            ],
        }
    ],
}


# --- pure engine ----------------------------------------------------------------------------------------------------


def test_observed_value_maps_statuses_onto_the_scale():
    assert [observed.observed_value([0, 0.5, 1], s) for s in ("no", "partly", "yes")] == [0, 0.5, 1]
    assert observed.observed_value([0, 1, 2, 3], "partly") == 1
    assert observed.observed_value([0, 1], "partly") == 0  # no middle step: partly is not yes
    with pytest.raises(ValueError):
        observed.observed_value([0, 1], "maybe")


def test_a_declared_answer_above_the_observation_is_flagged_and_scored_as_observed():
    declared = {"q1": 1.0, "q2": 1.0, "q3": 1.0}
    plain = scoring.score(TINY, declared)
    result = scoring.score(TINY, declared, {"q1": "no", "q2": "yes"})
    assert plain["overall"]["normalised"] == 1.0
    # q1 (weight 2) counts 0 instead of 1: 2 of 4
    assert result["overall"]["normalised"] == 0.5 and result["label"] == "Low"
    assert [c["question"] for c in result["contradictions"]] == ["q1"]
    first = result["held_back"][0]
    assert first["question"] == "q1" and first["contradiction"] is True
    assert first["reason"] == "declared: yes, observed: no; scored as observed"
    assert first["declared"] == 1.0 and first["value"] == 0.0
    assert result["observed"] == {"q1": "no", "q2": "yes"}


def test_observations_fill_unanswered_questions_and_never_raise_a_declared_answer():
    result = scoring.score(TINY, {"q2": 0.0, "q3": None}, {"q1": "partly", "q2": "yes"})
    # q1 unanswered takes the observation (0.5 x 2); q2 declared 0 stays 0 (stricter than the rule); q3 N/A
    assert result["overall"]["normalised"] == pytest.approx(1.0 / 3.0, abs=1e-6)
    assert result["contradictions"] == []
    assert result["answered"] == 3


def test_measured_score_uses_the_observations_alone():
    measured = observed.measured_score(TINY, {"q1": "yes", "q2": "partly"})
    assert measured["normalised"] == pytest.approx(2.5 / 3, abs=1e-6)
    assert measured["label"] == "High" and measured["observed"] == 2 and measured["observable"] == 2
    assert measured["counts"] == {"no": 0, "partly": 1, "yes": 1}
    assert observed.measured_score(TINY, {})["normalised"] is None


def test_schema_checks_the_named_rules_when_given():
    from assessments.domain.schema import validate_framework

    assert validate_framework(TINY) == []
    assert validate_framework(TINY, {"registry.model-card": 1, "registry.input-signature": 1}) == []
    errors = validate_framework(TINY, {"registry.model-card": 2})
    assert any(
        "dimensions[0].questions[0].evidence.version: rule 'registry.model-card' is at version 2" in e for e in errors
    )
    assert any("no evidence rule 'registry.input-signature' is installed" in e for e in errors)
    broken: Any = copy.deepcopy(TINY)
    broken["dimensions"][0]["questions"][0]["evidence"] = {"rule": "Not A Rule", "version": 0}
    assert len(validate_framework(broken)) == 2


# --- frameworks name installed rules; a rule change versions the framework -------------------------------------------


def test_loading_a_framework_with_an_unknown_or_outdated_rule_is_refused(db):
    doc = copy.deepcopy(TINY)
    doc["dimensions"][0]["questions"][0]["evidence"] = {"rule": "registry.nothing", "version": 1}
    with pytest.raises(services.FrameworkInvalid, match=r"no evidence rule 'registry\.nothing' is installed"):
        services.framework_load(document=doc)
    doc["dimensions"][0]["questions"][0]["evidence"] = {"rule": "registry.model-card", "version": 9}
    with pytest.raises(services.FrameworkInvalid, match="at version 1, not 9"):
        services.framework_load(document=doc)


def test_a_rule_change_versions_the_framework(db, monkeypatch):
    from registry import evidence

    first, created = services.framework_load(document=copy.deepcopy(TINY))
    assert created and first.version == 1
    original = evidence.get_rule("registry.model-card")
    monkeypatch.setitem(
        evidence._RULES,
        "registry.model-card",
        EvidenceRule(id=original.id, version=2, title=original.title, app="registry", check=original.check),
    )
    with pytest.raises(services.FrameworkInvalid):
        services.framework_load(document=copy.deepcopy(TINY))  # still names v1
    doc = copy.deepcopy(TINY)
    doc["dimensions"][0]["questions"][0]["evidence"]["version"] = 2
    second, created = services.framework_load(document=doc)
    assert created and second.version == 2 and second.is_current
    first.refresh_from_db()
    assert not first.is_current
    event = AuditEvent.objects.filter(action="framework.loaded").order_by("-sequence").first()
    assert event.after["version"] == 2


def test_every_builtin_observable_question_names_an_installed_rule(frameworks):
    from assessments.domain.observed import observable_questions

    lifecycle = frameworks["lifecycle"]
    named = observable_questions(lifecycle.definition)
    rules = registered_rules()
    assert len(named) >= 15
    assert all(rules[e["rule"]].version == e["version"] for e in named.values())
    assert {e["rule"] for e in named.values()} == set(rules)  # every installed rule is used


# --- measurements ---------------------------------------------------------------------------------------------------


@pytest.fixture
def documented(frameworks, version, personas):
    """The assessments conftest's credit-scoring v1 with a full model card and an input signature."""
    from registry import services as rs
    from registry.choices import MODEL_CARD_FIELDS

    rs.card_update(version=version, actor=personas.scientist, **{f: "text" for f in MODEL_CARD_FIELDS})
    rs.version_update(version=version, actor=personas.scientist, input_signature={"features": ["a", "b"]})
    return version


def test_measurement_records_rule_version_evidence_and_time_and_is_audited(documented, personas):
    measurement = services.measurement_take(model=documented.model, trigger="manual", actor=personas.admin)
    card = measurement.observations.get(question_id="gov.documentation")
    assert (card.rule, card.rule_version, card.status, card.value) == ("registry.model-card", 1, "yes", 1.0)
    assert card.evidence[0]["kind"] == "model_version" and card.evidence[0]["id"] == str(documented.pk)
    assert card.evidence[0]["url"] == f"/models/{documented.model.name}/#v1"
    assert card.observed_at == measurement.measured_at
    assert measurement.observed == measurement.observable == measurement.observations.count() >= 15
    assert 0 < measurement.score < 1 and measurement.label
    event = AuditEvent.objects.get(action="maturity.measured", object_id=str(measurement.pk))
    assert event.model_id == documented.model.pk and event.actor_name == personas.admin.username
    assert event.after["observations"]["gov.documentation"] == {
        "rule": "registry.model-card",
        "rule_version": 1,
        "status": "yes",
        "evidence": [f"model_version:{documented.pk}"],
    }


def test_measure_all_stores_each_model_and_the_portfolio(documented, personas):
    from registry import services as rs

    rs.model_create(actor=personas.scientist, name="empty-model", team=personas.team)
    summary = services.measurements_take_all(trigger="beat")
    assert summary["measured"] == 2 and summary["failed"] == []
    portfolio = Measurement.objects.get(model__isnull=True)
    scores = sorted(cast(float, m.score) for m in Measurement.objects.filter(model__isnull=False))
    assert portfolio.score == pytest.approx(sum(scores) / 2, abs=1e-6)
    assert {r["model"] for r in portfolio.result["models"]} == {"credit-scoring", "empty-model"}
    assert scores[0] < scores[1]  # the documented model measures higher than the empty one


def test_the_measuring_task_is_scheduled_in_beat_and_calls_the_service(documented):
    from django_celery_beat.models import PeriodicTask

    from assessments import builtin, tasks

    task = PeriodicTask.objects.get(task="assessments.measure_all")
    assert task.enabled and task.crontab is not None
    task.delete()
    assert "daily maturity measurement scheduled" in builtin.load()
    assert tasks.measure_all.run()["measured"] == 1
    assert Measurement.objects.filter(trigger="beat").count() == 2  # the model and the portfolio


def test_a_failing_rule_observes_no_and_the_run_goes_on(documented, monkeypatch):
    from registry import evidence

    def broken(subject, params):
        raise RuntimeError("database on fire")

    original = evidence.get_rule("registry.input-signature")
    monkeypatch.setitem(
        evidence._RULES,
        original.id,
        EvidenceRule(id=original.id, version=1, title=original.title, app="registry", check=broken),
    )
    measurement = services.measurement_take(model=documented.model)
    signature = measurement.observations.get(question_id="data.schema")
    assert signature.status == "no" and "RuntimeError: database on fire" in signature.detail


# --- the questionnaire ----------------------------------------------------------------------------------------------


def test_submission_freezes_the_observations_and_scores_contradictions_as_observed(frameworks, version, personas):
    assessment = services.assessment_create(model=version.model, actor=personas.scientist)
    items = [{"question": q, "value": 1.0} for q in frameworks["lifecycle"].questions()]
    services.answers_save(assessment=assessment, actor=personas.scientist, answers=items)
    done = services.assessment_submit(assessment=assessment, actor=personas.scientist)
    assert done.measurement is not None and done.measurement.trigger == "submission"
    flagged = {c["question"]: c for c in done.result["contradictions"]}
    # v1 has no card: declared "yes", observed "no"
    assert flagged["gov.documentation"]["declared_word"] == "yes"
    assert flagged["gov.documentation"]["observed_word"] == "no"
    reasons = {h["question"]: h["reason"] for h in done.result["held_back"]}
    assert reasons["gov.documentation"] == "declared: yes, observed: no; scored as observed"
    assert done.score < 1.0
    plain = scoring.score(frameworks["lifecycle"].definition, {q: 1.0 for q in frameworks["lifecycle"].questions()})
    assert plain["overall"]["normalised"] == 1.0  # the same answers unobserved would score the maximum
    event = AuditEvent.objects.get(action="assessment.submitted", object_id=str(done.pk))
    assert event.after["measurement"] == done.measurement.pk and "gov.documentation" in event.after["contradictions"]
    # frozen: later evidence does not change what the submission saw
    from registry import services as rs
    from registry.choices import MODEL_CARD_FIELDS

    rs.card_update(version=version, actor=personas.scientist, **{f: "text" for f in MODEL_CARD_FIELDS})
    assert services.observation_statuses(done)["gov.documentation"] == "no"
    assert Observation.objects.get(measurement=done.measurement, question_id="gov.documentation").status == "no"


def test_observed_questions_need_no_declared_answer(frameworks, version, personas):
    assessment = services.assessment_create(model=version.model, actor=personas.scientist)
    observable = {q for q, d in frameworks["lifecycle"].questions().items() if d.get("evidence")}
    missing = services.missing_required(assessment)
    assert missing and not set(missing) & observable


def test_draft_page_shows_observations_with_links_prefills_and_flags(client, frameworks, version, personas):
    assessment = services.assessment_create(model=version.model, actor=personas.scientist)
    services.answers_save(
        assessment=assessment, actor=personas.scientist, answers=[{"question": "gov.documentation", "value": 1.0}]
    )
    client.force_login(personas.scientist)
    page = client.get(f"/assessments/{assessment.pk}/?dimension=governance").content.decode()
    assert 'data-testid="observed-summary"' in page
    # inventory, documentation, logging, post-market plan, maturity review, report
    assert page.count('data-testid="observed"') == 6
    assert "declared: yes, observed: no" in page  # gov.documentation
    assert f'href="/models/{version.model.name}/#v1"' in page
    # gov.inventory is unanswered: its radio is pre-filled with the observed level (partly = 0.5)
    block = page.split('<article data-question="gov.inventory"')[1].split("</article>")[0]
    assert "the answer below is pre-filled from it" in block
    assert 'value="0.5" checked' in block


def test_submitted_page_shows_the_frozen_observations_and_the_reason_held_down(client, frameworks, version, personas):
    assessment = services.assessment_create(model=version.model, actor=personas.scientist)
    items = [{"question": q, "value": 1.0} for q in frameworks["lifecycle"].questions()]
    services.answers_save(assessment=assessment, actor=personas.scientist, answers=items)
    services.assessment_submit(assessment=assessment, actor=personas.scientist)
    client.force_login(personas.auditor)
    page = client.get(f"/assessments/{assessment.pk}/?dimension=governance").content.decode()
    assert "(frozen at submission)" in page
    assert 'data-testid="held-back-contradiction"' in page
    assert "declared: yes, observed: no; scored as observed" in page


# --- the gate -------------------------------------------------------------------------------------------------------


def test_measured_maturity_gate(documented, personas):
    from assessments.gates import measured_maturity_gate
    from registry.models import PromotionPolicy

    policy = PromotionPolicy.objects.get(risk_tier="medium")
    result = measured_maturity_gate(documented, policy)
    assert not result.passed and "No measured 'lifecycle' maturity" in result.detail
    measurement = services.measurement_take(model=documented.model)
    policy.min_maturity_score = round(measurement.score - 0.01, 2)
    assert measured_maturity_gate(documented, policy).passed
    policy.min_maturity_score = round(measurement.score + 0.05, 2)
    failed = measured_maturity_gate(documented, policy)
    assert not failed.passed and "below the policy minimum" in failed.detail
    Measurement.objects.update(measured_at=timezone.now() - timedelta(days=8))
    policy.min_maturity_score = 0.0
    assert "days old" in measured_maturity_gate(documented, policy).detail


def test_a_policy_can_require_the_measured_score_for_promotion(documented, personas):
    from registry import services as rs
    from registry.models import PromotionPolicy

    policy = PromotionPolicy.objects.get(risk_tier="medium")
    rs.policy_update(policy=policy, actor=personas.admin, required_gates=["measured_maturity"], min_maturity_score=0.99)
    rs.version_transition(version=documented, target="staging", actor=personas.scientist)
    services.measurement_take(model=documented.model)
    request, _ = rs.promotion_request_create(version=documented, actor=personas.scientist, justification="Go.")
    gate = next(g for g in request.gate_results if g["name"] == "measured_maturity")
    assert gate["passed"] is False and "below the policy minimum 0.99" in gate["detail"]
    assert not request.gates_passed


# --- API, model page, report ----------------------------------------------------------------------------------------


def test_api_lists_measurements_with_observations(api, documented, personas):
    services.measurements_take_all(trigger="beat")
    client = api(personas.auditor)
    listed = client.get("/api/v1/measurements/", {"model": documented.model.name})
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert len(rows) == 1 and rows[0]["model"] == "credit-scoring" and 0 < rows[0]["score"] < 1
    portfolio = client.get("/api/v1/measurements/", {"portfolio": "true"}).json()["results"]
    assert len(portfolio) == 1 and portfolio[0]["portfolio"] is True and portfolio[0]["model"] is None
    detail = client.get(f"/api/v1/measurements/{rows[0]['id']}/").json()
    card = next(o for o in detail["observations"] if o["question"] == "gov.documentation")
    assert card["rule"] == "registry.model-card" and card["rule_version"] == 1 and card["status"] == "yes"
    assert card["evidence"][0]["url"].startswith("/models/credit-scoring/")
    assert client.get("/api/v1/measurements/", {"model": "nope"}).status_code == 404
    assert client.get("/api/v1/measurements/", {"portfolio": "maybe"}).status_code == 400
    assert api(None).get("/api/v1/measurements/").status_code in (401, 403)


def test_model_page_shows_the_measured_score_beside_the_declared(client, documented, personas):
    client.force_login(personas.auditor)
    page = client.get(f"/models/{documented.model.name}/").content.decode()
    assert 'data-testid="measured-maturity"' in page and "Not measured yet" in page
    measurement = services.measurement_take(model=documented.model)
    page = client.get(f"/models/{documented.model.name}/").content.decode()
    assert f"Measured {round(measurement.score * 100)}%" in page
    assert f'href="/assessments/measured/{measurement.pk}/"' in page
    # The trend beside it is drawn once there are two measurements (a single point is no trend).
    services.measurement_take(model=documented.model)
    assert "<svg" in client.get(f"/models/{documented.model.name}/").content.decode()
    detail = client.get(f"/assessments/measured/{measurement.pk}/").content.decode()
    assert detail.count("<tr data-question=") == measurement.observed
    overview = client.get("/assessments/measured/").content.decode()
    assert documented.model.name in overview


def test_report_section_carries_the_measured_score(documented):
    from assessments import selectors

    measurement = services.measurement_take(model=documented.model)
    context = selectors.report_context(version=documented)
    assert context["measured"]["id"] == measurement.pk and context["measured"]["score"] == measurement.score
    assert len(context["measured"]["observations"]) == measurement.observed
    html = render_to_string("assessments/report_section.html", context)
    assert "Measured maturity (from the platform" in html and f"measurement #{measurement.pk}" in html


def test_exports_carry_what_was_observed(client, frameworks, version, personas):
    assessment = services.assessment_create(model=version.model, actor=personas.scientist)
    services.answers_save(
        assessment=assessment, actor=personas.scientist, answers=[{"question": "gov.documentation", "value": 1.0}]
    )
    client.force_login(personas.auditor)
    document = client.get(f"/assessments/{assessment.pk}/export.json").json()
    answers = {a["question"]: a for a in document["answers"]}
    assert answers["gov.documentation"]["value"] == 1.0
    assert answers["gov.documentation"]["observed"]["status"] == "no"
    assert answers["gov.documentation"]["observed"]["rule"] == "registry.model-card"
    assert answers["plan.baseline"]["observed"] is None  # not observable
    body = b"".join(client.get(f"/assessments/{assessment.pk}/export.csv").streaming_content).decode()
    header, *rows = body.splitlines()
    assert header.endswith(",observed")
    row = next(r for r in rows if ",gov.documentation," in r)
    assert row.endswith("no (registry.model-card v1)")


def test_a_model_with_a_measured_submission_can_still_be_deleted(frameworks, model, personas, submitted_lifecycle):
    from registry import services as rs

    done = submitted_lifecycle(1.0)
    services.measurements_take_all(trigger="beat")
    assert done.measurement_id is not None
    model_id = model.pk
    rs.model_delete(model=model, actor=personas.scientist)
    assert not Measurement.objects.filter(model_id=model_id).exists()
    assert Measurement.objects.filter(model__isnull=True).exists()  # the portfolio's history stays
    assert AuditEvent.objects.filter(action="maturity.measured", model_id=model_id).exists()
