"""The pure scoring engine: ML Test Score rule on hand-worked cases, levels, weighted, derivation, properties."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.domain import scoring

FRAMEWORKS = Path(__file__).resolve().parents[2] / "assessments" / "frameworks"


def load(name: str) -> dict:
    return yaml.safe_load((FRAMEWORKS / f"{name}.yaml").read_text())


MLTS = load("ml-test-score")
GOOGLE = load("google-mlops")
AZURE = load("azure-mlops")
LIFECYCLE = load("lifecycle")
SECTIONS = ["data", "model", "infra", "monitor"]


def mlts_answers(per_section: dict[str, list[float]]) -> dict[str, float]:
    return {f"{section}.{i + 1}": value for section, values in per_section.items() for i, value in enumerate(values)}


def test_all_zero_is_a_research_project():
    result = scoring.score(MLTS, mlts_answers({s: [0] * 7 for s in SECTIONS}))
    assert result["overall"]["score"] == 0
    assert result["label"] == "Research project"
    assert result["overall"]["normalised"] == 0
    # every section ties at 0, so every test of every section holds the score down
    assert result["weakest"] == ["data", "model", "infra", "monitoring"]
    assert len(result["held_back"]) == 28
    # next band needs every section above 0: one step per section, full automation first
    assert [s["question"] for s in result["next_steps"]] == ["data.1", "model.1", "infra.1", "monitor.1"]


def test_final_is_the_minimum_section_hand_worked():
    # data 7 automated = 7; model 5 x 0.5 = 2.5; infra 3 x 1 + 2 x 0.5 = 4; monitoring 1 + 0.5 = 1.5
    answers = mlts_answers(
        {
            "data": [1] * 7,
            "model": [0.5] * 5 + [0, 0],
            "infra": [1, 1, 1, 0.5, 0.5, 0, 0],
            "monitor": [1, 0.5, 0, 0, 0, 0, 0],
        }
    )
    result = scoring.score(MLTS, answers)
    sums = {d["id"]: d["score"] for d in result["dimensions"]}
    assert sums == {"data": 7, "model": 2.5, "infra": 4, "monitoring": 1.5}
    assert result["overall"]["score"] == 1.5
    assert result["label"] == "First pass at productionisation"  # (1, 2]
    assert result["weakest"] == ["monitoring"]
    assert {h["question"] for h in result["held_back"]} == {f"monitor.{i}" for i in range(2, 8)}
    # next band (2, 3] needs the final above 2: monitoring 1.5 -> 2.5 with one automated test (biggest gain first)
    steps = result["next_steps"]
    assert steps[0]["question"] == "monitor.3" and steps[0]["gain"] == 1
    assert steps[0]["effect"] == "section 'Monitoring' 1.5 -> 2.5"
    assert len(steps) == 1


def test_ties_between_sections_name_every_weakest_section():
    answers = mlts_answers(
        {
            "data": [1, 1, 0, 0, 0, 0, 0],
            "model": [1, 1, 1, 1, 0, 0, 0],
            "infra": [0.5] * 4 + [0] * 3,
            "monitor": [1] * 7,
        }
    )
    result = scoring.score(MLTS, answers)
    assert result["overall"]["score"] == 2
    assert result["label"] == "First pass at productionisation"  # 2 is in (1, 2]
    assert result["weakest"] == ["data", "infra"]
    sections = {h["dimension"] for h in result["held_back"]}
    assert sections == {"data", "infra"}
    # reaching (2, 3] needs BOTH tied sections raised: a step in each
    assert {s["dimension"] for s in result["next_steps"]} == {"data", "infra"}


@pytest.mark.parametrize(
    ("final", "band"),
    [
        (0, "Research project"),
        (0.5, "Not totally untested"),
        (1, "Not totally untested"),
        (1.5, "First pass at productionisation"),
        (3, "Reasonably tested"),
        (3.5, "Strong automated testing and monitoring"),
        (5, "Strong automated testing and monitoring"),
        (5.5, "Exceptional"),
        (7, "Exceptional"),
    ],
)
def test_band_boundaries_are_upper_inclusive(final, band):
    full, half = int(final), final - int(final)
    per = [1.0] * full + ([0.5] if half else [])
    per += [0.0] * (7 - len(per))
    result = scoring.score(MLTS, mlts_answers({s: per for s in SECTIONS}))
    assert result["overall"]["score"] == final
    assert result["label"] == band


def test_unanswered_counts_as_zero():
    result = scoring.score(MLTS, mlts_answers({"data": [1] * 7, "model": [1] * 7, "infra": [1] * 7}))
    assert result["overall"]["score"] == 0 and result["weakest"] == ["monitoring"]


mlts_value = st.sampled_from([0.0, 0.5, 1.0])
mlts_answer_sets = st.fixed_dictionaries({f"{s}.{i}": mlts_value for s in SECTIONS for i in range(1, 8)})


@settings(max_examples=200, deadline=None)
@given(answers=mlts_answer_sets)
def test_property_final_equals_minimum_section(answers):
    result = scoring.score(MLTS, answers)
    sums = scoring.section_sums(MLTS, answers)
    assert result["overall"]["score"] == min(sums.values())
    assert 0 <= result["overall"]["normalised"] <= 1
    assert {d["id"] for d in result["dimensions"] if d["score"] == min(sums.values())} == set(result["weakest"])


@settings(max_examples=200, deadline=None)
@given(answers=mlts_answer_sets, data=st.data())
def test_property_raising_an_answer_never_lowers_any_section_or_the_final(answers, data):
    qid = data.draw(st.sampled_from(sorted(answers)))
    higher = data.draw(st.sampled_from([v for v in (0.0, 0.5, 1.0) if v >= answers[qid]]))
    before = scoring.section_sums(MLTS, answers)
    after = scoring.section_sums(MLTS, {**answers, qid: higher})
    assert all(after[k] >= before[k] for k in before)
    assert scoring.min_section_final(MLTS, {**answers, qid: higher}) >= scoring.min_section_final(MLTS, answers)


@settings(max_examples=100, deadline=None)
@given(answers=mlts_answer_sets)
def test_property_following_the_next_steps_reaches_the_next_band(answers):
    result = scoring.score(MLTS, answers)
    if not result["next_steps"]:
        assert result["label"] == "Exceptional"
        return
    improved = {**answers, **{s["question"]: s["to"] for s in result["next_steps"]}}
    after = scoring.score(MLTS, improved)
    assert after["band"]["index"] == result["band"]["index"] + 1 or after["band"]["index"] > result["band"]["index"]


def test_scoring_is_deterministic():
    answers = mlts_answers({s: [0.5, 1, 0, 0.5, 0, 1, 0] for s in SECTIONS})
    assert scoring.score(MLTS, answers) == scoring.score(MLTS, dict(reversed(list(answers.items()))))


# --- levels ---------------------------------------------------------------------------------------------------------


def google_all(value: float) -> dict[str, float]:
    return {q["id"]: value for _, q in scoring.iter_questions(GOOGLE)}


def test_google_levels():
    assert scoring.score(GOOGLE, {})["label"] == "Level 0: Manual process"
    l1 = {qid: 1.0 for qid in google_all(1) if qid.startswith("g.l1.")}
    result = scoring.score(GOOGLE, l1)
    assert result["level"]["rank"] == 1 and result["overall"]["normalised"] == 0.5
    assert result["next_steps"][0]["target"] == "Level 2: CI/CD pipeline automation"
    assert {s["question"] for s in result["next_steps"]} == {q for q in google_all(1) if q.startswith("g.l2.")}
    assert scoring.score(GOOGLE, google_all(1))["level"]["rank"] == 2


def test_a_level_needs_the_level_below():
    # every level-2 criterion met but one level-1 criterion missing: still level 0
    answers = {**google_all(1), "g.l1.triggers": 0.5}
    result = scoring.score(GOOGLE, answers)
    assert result["level"]["rank"] == 0
    assert [h["question"] for h in result["held_back"]] == ["g.l1.triggers"]


def test_azure_not_applicable_does_not_block_a_level():
    answers: dict[str, float | None] = {q["id"]: 1.0 for _, q in scoring.iter_questions(AZURE)}
    answers["az.release.ab"] = None
    assert scoring.score(AZURE, answers)["level"]["rank"] == 4
    answers["az.release.ab"] = 0.5
    result = scoring.score(AZURE, answers)
    assert result["level"]["rank"] == 2
    assert result["next_steps"][0]["question"] == "az.release.ab"


# --- weighted and derivation ----------------------------------------------------------------------------------------


def lifecycle_all(value: float) -> dict[str, float]:
    return {q["id"]: value for _, q in scoring.iter_questions(LIFECYCLE)}


def test_lifecycle_weighted_and_next_steps_biggest_effect_first():
    answers = lifecycle_all(0.5)
    result = scoring.score(LIFECYCLE, answers)
    assert result["overall"]["normalised"] == 0.5 and result["label"] == "Repeatable"
    gains = [s["gain"] for s in result["next_steps"]]
    assert gains == sorted(gains, reverse=True)
    assert result["next_steps"][0]["question"] in {
        q["id"] for _, q in scoring.iter_questions(LIFECYCLE) if q.get("weight", 1) == 2
    }


def test_not_applicable_is_excluded_from_the_weighted_score():
    answers: dict[str, float | None] = {**lifecycle_all(1.0)}
    answers["dm.labelling"] = None
    assert scoring.score(LIFECYCLE, answers)["overall"]["normalised"] == 1.0


def test_answer_once_see_every_framework():
    answers = lifecycle_all(1.0)
    answers["mon.retraining"] = 0.5  # evidences google L1 triggers and CT, azure L4 retraining
    google = scoring.derive_result(GOOGLE, LIFECYCLE, answers)
    assert google["level"]["rank"] == 0
    assert {s["question"] for s in google["next_steps"]} == {"g.l1.ct", "g.l1.triggers"}
    assert all(s["source_questions"] == ["mon.retraining"] for s in google["next_steps"])
    azure = scoring.derive_result(AZURE, LIFECYCLE, answers)
    assert azure["level"]["rank"] == 3
    assert azure["held_back"][0]["source_questions"] == ["mon.retraining"]
    mlts = scoring.derive_result(MLTS, LIFECYCLE, answers)
    assert mlts["overall"]["score"] == 7 and mlts["coverage"] == {"covered": 28, "total": 28}


def test_derived_ml_test_score_uses_the_weakest_tagged_answer():
    answers = lifecycle_all(1.0)
    answers["data.schema"] = 0  # mlts:data.1
    mlts = scoring.derive_result(MLTS, LIFECYCLE, answers)
    assert mlts["overall"]["score"] == 6
    assert mlts["weakest"] == ["data"]
    assert mlts["decided_by"]["data.1"] == ["data.schema"]
    assert mlts["next_steps"] == []  # 6 is already in the top band
    assert mlts["held_back"][0]["source_questions"] == ["data.schema"]


lifecycle_value = st.sampled_from([0.0, 0.5, 1.0, None])
lifecycle_answer_sets = st.fixed_dictionaries({q["id"]: lifecycle_value for _, q in scoring.iter_questions(LIFECYCLE)})


@settings(max_examples=60, deadline=None)
@given(answers=lifecycle_answer_sets, data=st.data())
def test_property_raising_an_answer_never_lowers_a_weighted_score_or_a_derived_level(answers, data):
    answers = {k: v for k, v in answers.items() if v is not None}  # not-applicable changes the denominator
    qid = data.draw(st.sampled_from(sorted(answers)))
    higher = {**answers, qid: data.draw(st.sampled_from([v for v in (0.0, 0.5, 1.0) if v >= answers[qid]]))}
    before, after = scoring.score(LIFECYCLE, answers), scoring.score(LIFECYCLE, higher)
    assert after["overall"]["normalised"] >= before["overall"]["normalised"]
    for target in (GOOGLE, AZURE, MLTS):
        assert (
            scoring.derive_result(target, LIFECYCLE, higher)["overall"]["score"]
            >= scoring.derive_result(target, LIFECYCLE, answers)["overall"]["score"]
        )
