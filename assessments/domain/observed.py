"""Observed maturity: what evidence rules saw, turned into answer values, checked against declared answers, and
scored on its own. Pure module (no Django): observations come in as data, ``{question_id: status}``.

- ``observed_value``: yes -> the top of the question's scale, no -> the bottom, partly -> the highest value at or
  below the middle of the scale (0.5 on the 0 / 0.5 / 1 scales).
- ``apply_observations``: the answers the engine scores. A declared answer above what is observed is a
  contradiction and counts at the observed level; an unanswered observable question takes the observed value; a
  declared answer at or below the observation stands (people may be stricter than the rule); "not applicable"
  stays not applicable.
- ``measured_score``: the weighted share of the maximum over the observable questions alone (no questionnaire).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessments.domain.scoring import band_for, iter_questions, scale_max, scale_values, weight

STATUSES = ("no", "partly", "yes")
_EPS = 1e-9

Definition = Mapping[str, Any]


def observed_value(values: list[float], status: str) -> float:
    if status not in STATUSES:
        raise ValueError(f"Unknown observation status {status!r}; expected one of {', '.join(STATUSES)}.")
    low, high = min(values), max(values)
    if status == "yes":
        return high
    if status == "no":
        return low
    middle = [v for v in values if low < v < high and v <= (low + high) / 2 + _EPS]
    return max(middle) if middle else low


def status_word(values: list[float], value: float) -> str:
    """How an answer value reads on the yes / partly / no scale of observations."""
    if value >= max(values) - _EPS:
        return "yes"
    if value <= min(values) + _EPS:
        return "no"
    return "partly"


def observable_questions(definition: Definition) -> dict[str, Mapping[str, Any]]:
    """``{question_id: evidence}`` of the questions that name an evidence rule, in document order."""
    return {q["id"]: q["evidence"] for _, q in iter_questions(definition) if q.get("evidence")}


def apply_observations(
    definition: Definition, answers: Mapping[str, float | None], observations: Mapping[str, str]
) -> tuple[dict[str, float | None], list[dict[str, Any]]]:
    """(answers to score, contradictions). Each contradiction names the question, declared and observed values and
    words; observations of questions the framework does not have are ignored."""
    effective: dict[str, float | None] = dict(answers)
    contradictions: list[dict[str, Any]] = []
    for dimension, question in iter_questions(definition):
        qid = question["id"]
        status = observations.get(qid)
        if status is None:
            continue
        values = scale_values(definition, question)
        observed = observed_value(values, status)
        if qid not in answers:
            effective[qid] = observed
            continue
        declared = answers[qid]
        if declared is None or declared <= observed + _EPS:
            continue
        effective[qid] = observed
        contradictions.append(
            {
                "question": qid,
                "dimension": dimension["id"],
                "text": question["text"],
                "declared": declared,
                "observed": observed,
                "declared_word": status_word(values, declared),
                "observed_word": status,
                "max": scale_max(definition, question),
            }
        )
    return effective, contradictions


def measured_score(definition: Definition, observations: Mapping[str, str]) -> dict[str, Any]:
    """Score from the observations alone: per dimension and overall, the weighted share of the maximum over the
    observed questions; the band (when the framework has bands) names the overall share."""
    dims = []
    got_total = top_total = 0.0
    observed_total = 0
    for dimension in definition["dimensions"]:
        got = top = 0.0
        count = 0
        for question in dimension["questions"]:
            status = observations.get(question["id"])
            if status is None:
                continue
            values = scale_values(definition, question)
            got += weight(question) * observed_value(values, status)
            top += weight(question) * max(values)
            count += 1
        if count:
            dims.append(
                {
                    "id": dimension["id"],
                    "name": dimension["name"],
                    "observed": count,
                    "normalised": round(got / top, 6) if top > 0 else None,
                }
            )
        got_total += got
        top_total += top
        observed_total += count
    normalised = round(got_total / top_total, 6) if top_total > 0 else None
    label = ""
    if normalised is not None and definition.get("bands"):
        label = band_for(definition["bands"], normalised)[1]["label"]
    return {
        "normalised": normalised,
        "label": label,
        "observed": observed_total,
        "observable": len(observable_questions(definition)),
        "counts": {s: sum(1 for v in observations.values() if v == s) for s in STATUSES},
        "dimensions": dims,
    }
