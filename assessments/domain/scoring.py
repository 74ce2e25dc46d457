"""The maturity scoring engine: pure, deterministic, explainable (no Django imports).

Input: a validated framework definition (see ``schema.py``) and the answers, ``{question_id: value}`` where a value
of ``None`` means "not applicable" and a missing key means "not answered" (counted as 0: no evidence).
Output: a JSON-serialisable dict, stored with the submitted assessment:

- ``dimensions``: per dimension ``score``/``max``/``normalised`` (0..1), answered and total counts;
- ``overall``: ``score``, ``max``, ``normalised`` (0..1, what the promotion gate compares);
- ``label``: the band or level reached; ``level`` for level frameworks;
- ``held_back``: the answers holding the score down, each with a reason;
- ``next_steps``: what to do to reach the next band or level, biggest effect first.

Three rules:
- ``min_section_sum`` (ML Test Score 2017): section score = sum of the answers, final score = minimum section;
- ``levels`` (Google, Azure): a level is reached when its criteria and the levels it requires are met;
- ``weighted`` (lifecycle questionnaire): weighted share of the maximum, per dimension and overall.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

ENGINE_VERSION = "1"
_EPS = 1e-9

Answers = Mapping[str, float | None]
Definition = Mapping[str, Any]


# --- helpers --------------------------------------------------------------------------------------------------------


def iter_questions(definition: Definition) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """(dimension, question) pairs in document order."""
    for dimension in definition["dimensions"]:
        for question in dimension["questions"]:
            yield dimension, question


def scale_values(definition: Definition, question: Mapping[str, Any]) -> list[float]:
    return [float(o["value"]) for o in definition["scales"][question["scale"]]]


def scale_max(definition: Definition, question: Mapping[str, Any]) -> float:
    return max(scale_values(definition, question))


def weight(question: Mapping[str, Any]) -> float:
    return float(question.get("weight", 1))


def _round(value: float) -> float:
    return round(value + 0.0, 6)


def band_for(bands: list[Mapping[str, Any]], value: float) -> tuple[int, Mapping[str, Any]]:
    """The first band whose (inclusive) maximum is at least ``value``; the last band is open-ended."""
    for index, band in enumerate(bands):
        if band["max"] is None or value <= band["max"] + _EPS:
            return index, band
    return len(bands) - 1, bands[-1]


def _value(answers: Answers, qid: str) -> float | None:
    """The value counted for a question: None for not applicable, 0 for unanswered."""
    if qid in answers:
        value = answers[qid]
        return None if value is None else float(value)
    return 0.0


def _question_ref(
    dimension: Mapping[str, Any], question: Mapping[str, Any], value: float | None, top: float
) -> dict[str, Any]:
    return {
        "question": question["id"],
        "dimension": dimension["id"],
        "text": question["text"],
        "value": value,
        "max": top,
    }


def _dimension_scores(definition: Definition, answers: Answers) -> list[dict[str, Any]]:
    rows = []
    for dimension in definition["dimensions"]:
        got = top = 0.0
        answered = applicable = 0
        for question in dimension["questions"]:
            qid = question["id"]
            if qid in answers:
                answered += 1
            value = _value(answers, qid)
            if value is None:
                continue
            applicable += 1
            got += weight(question) * value
            top += weight(question) * scale_max(definition, question)
        rows.append(
            {
                "id": dimension["id"],
                "name": dimension["name"],
                "score": _round(got),
                "max": _round(top),
                "normalised": _round(got / top) if top > 0 else None,
                "answered": answered,
                "total": len(dimension["questions"]),
                "applicable": applicable,
            }
        )
    return rows


# --- entry point ----------------------------------------------------------------------------------------------------


def score(definition: Definition, answers: Answers, observations: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Score ``answers`` against ``definition`` with the framework's rule.

    ``observations`` (``{question_id: "yes" | "partly" | "no"}``, what evidence rules saw) cap the declared answers:
    a declared answer above the observed level is scored at the observed level and listed first in ``held_back``
    with the reason (see ``observed.apply_observations``)."""
    if observations:
        from assessments.domain.observed import apply_observations

        effective, contradictions = apply_observations(definition, answers, observations)
        result = score(definition, effective)
        flagged = {c["question"] for c in contradictions}
        held = [
            {
                "question": c["question"],
                "dimension": c["dimension"],
                "text": c["text"],
                "value": c["observed"],
                "max": c["max"],
                "declared": c["declared"],
                "contradiction": True,
                "reason": f"declared: {c['declared_word']}, observed: {c['observed_word']}; scored as observed",
            }
            for c in contradictions
        ]
        result["held_back"] = held + [h for h in result["held_back"] if h["question"] not in flagged]
        result["contradictions"] = contradictions
        result["observed"] = {qid: observations[qid] for qid in observations if qid in effective}
        return result
    method = definition["method"]
    if method == "min_section_sum":
        result = _score_min_section_sum(definition, answers)
    elif method == "levels":
        result = _score_levels(definition, answers)
    elif method == "weighted":
        result = _score_weighted(definition, answers)
    else:  # pragma: no cover - the schema refuses other methods
        raise ValueError(f"Unknown scoring method {method!r}.")
    answered = sum(1 for _, q in iter_questions(definition) if q["id"] in answers)
    total = sum(1 for _ in iter_questions(definition))
    return {
        "engine": ENGINE_VERSION,
        "framework": {"slug": definition["slug"], "name": definition["name"], "method": method},
        "answered": answered,
        "total": total,
        **result,
    }


# --- ML Test Score: final = minimum of the section sums -------------------------------------------------------------


def section_sums(definition: Definition, answers: Answers) -> dict[str, float]:
    sums: dict[str, float] = {}
    for dimension in definition["dimensions"]:
        total = 0.0
        for question in dimension["questions"]:
            value = _value(answers, question["id"])
            total += weight(question) * (value or 0.0)
        sums[dimension["id"]] = _round(total)
    return sums


def min_section_final(definition: Definition, answers: Answers) -> float:
    return min(section_sums(definition, answers).values())


def _score_min_section_sum(definition: Definition, answers: Answers) -> dict[str, Any]:
    dims = _dimension_scores(definition, answers)
    sums = {d["id"]: d["score"] for d in dims}
    final = min(sums.values())
    best_possible = min(d["max"] for d in dims)
    bands = definition["bands"]
    band_index, band = band_for(bands, final)
    weakest = [d for d in dims if abs(d["score"] - final) < _EPS]

    held_back = []
    by_dim = {d["id"]: d for d in definition["dimensions"]}
    for d in weakest:
        for question in by_dim[d["id"]]["questions"]:
            value = _value(answers, question["id"]) or 0.0
            top = scale_max(definition, question)
            if value < top - _EPS:
                ref = _question_ref(by_dim[d["id"]], question, value, top)
                ref["reason"] = f"weakest section '{d['name']}' ({d['score']:g} of {d['max']:g}) sets the final score"
                held_back.append(ref)

    next_steps: list[dict[str, Any]] = []
    if band_index < len(bands) - 1:
        target_band = bands[band_index + 1]
        threshold = band["max"]  # the final score must rise above this
        for d in sorted(dims, key=lambda row: (row["score"], _dim_order(definition, row["id"]))):
            if d["score"] > threshold + _EPS:
                continue
            dimension = by_dim[d["id"]]
            running = d["score"]
            gaps = []
            for order, question in enumerate(dimension["questions"]):
                value = _value(answers, question["id"]) or 0.0
                top = scale_max(definition, question)
                if value < top - _EPS:
                    gaps.append((-(top - value) * weight(question), order, question, value, top))
            for gain, _, question, value, top in sorted(gaps, key=lambda g: (g[0], g[1])):
                if running > threshold + _EPS:
                    break
                before = running
                running = _round(running - gain)
                step = _question_ref(dimension, question, value, top)
                step.update(
                    {
                        "to": top,
                        "effect": f"section '{d['name']}' {before:g} -> {running:g}",
                        "gain": _round(-gain),
                        "target": target_band["label"],
                        "recommendation": question["recommendation"],
                    }
                )
                next_steps.append(step)
    summary = (
        f"Final score {final:g} = minimum of the section scores "
        + ", ".join(f"{d['name']} {d['score']:g}" for d in dims)
        + f"; weakest: {', '.join(d['name'] for d in weakest)}."
    )
    return {
        "dimensions": dims,
        "overall": {
            "score": final,
            "max": best_possible,
            "normalised": _round(final / best_possible) if best_possible > 0 else 0.0,
        },
        "label": band["label"],
        "band": {"index": band_index, "label": band["label"], "description": band.get("description", "")},
        "level": None,
        "weakest": [d["id"] for d in weakest],
        "summary": summary,
        "held_back": held_back,
        "next_steps": next_steps,
    }


def _dim_order(definition: Definition, dim_id: str) -> int:
    return next(i for i, d in enumerate(definition["dimensions"]) if d["id"] == dim_id)


# --- levels: Google 0-2, Azure 0-4 ----------------------------------------------------------------------------------


def _criterion_met(answers: Answers, criterion: Mapping[str, Any]) -> bool:
    qid = criterion["question"]
    if qid in answers and answers[qid] is None:
        return True  # not applicable (justified) does not block a level
    value = _value(answers, qid) or 0.0
    return value >= float(criterion["min"]) - _EPS


def levels_attained(definition: Definition, answers: Answers) -> dict[str, bool]:
    levels = {lv["id"]: lv for lv in definition["levels"]}
    memo: dict[str, bool] = {}

    def attained(level_id: str, trail: frozenset[str]) -> bool:
        if level_id in memo:
            return memo[level_id]
        if level_id in trail:  # a cycle: never attained (the loader refuses cycles anyway)
            return False
        level = levels[level_id]
        ok = all(_criterion_met(answers, c) for c in level.get("criteria", []))
        ok = ok and all(attained(r, trail | {level_id}) for r in level.get("requires", []) if r in levels)
        memo[level_id] = ok
        return ok

    return {lv["id"]: attained(lv["id"], frozenset()) for lv in definition["levels"]}


def _score_levels(definition: Definition, answers: Answers) -> dict[str, Any]:
    dims = _dimension_scores(definition, answers)
    levels = list(definition["levels"])
    attained = levels_attained(definition, answers)
    reached_rank = max((rank for rank, lv in enumerate(levels) if attained[lv["id"]]), default=-1)
    questions = {q["id"]: (d, q) for d, q in iter_questions(definition)}
    top_rank = len(levels) - 1

    held_back: list[dict[str, Any]] = []
    next_steps: list[dict[str, Any]] = []
    next_level = levels[reached_rank + 1] if reached_rank < top_rank else None
    if next_level is not None:
        # The next level's unmet criteria, and those of any level it requires that is not reached yet.
        by_id = {lv["id"]: lv for lv in levels}
        chain: list[Mapping[str, Any]] = []
        pending = [next_level]
        while pending:
            level = pending.pop()
            if level in chain:
                continue
            chain.append(level)
            pending.extend(by_id[r] for r in level.get("requires", []) if r in by_id and not attained[r])
        chain.sort(key=lambda lv: levels.index(lv))
        seen: set[str] = set()
        for level in chain:
            gaps = []
            for order, criterion in enumerate(level.get("criteria", [])):
                if _criterion_met(answers, criterion) or criterion["question"] in seen:
                    continue
                seen.add(criterion["question"])
                dimension, question = questions[criterion["question"]]
                value = _value(answers, question["id"]) or 0.0
                gaps.append((-(float(criterion["min"]) - value), order, dimension, question, value, criterion))
            for _, _, dimension, question, value, criterion in sorted(gaps, key=lambda g: (g[0], g[1])):
                ref = _question_ref(dimension, question, value, scale_max(definition, question))
                ref["reason"] = f"needed for {level['name']} (at least {criterion['min']:g})"
                held_back.append(ref)
                step = dict(ref)
                step.pop("reason")
                step.update(
                    {
                        "to": float(criterion["min"]),
                        "effect": f"criterion of {level['name']}",
                        "gain": _round(float(criterion["min"]) - value),
                        "target": next_level["name"],
                        "recommendation": question["recommendation"],
                    }
                )
                next_steps.append(step)
    reached = levels[reached_rank] if reached_rank >= 0 else None
    label = reached["name"] if reached else f"Below {levels[0]['name']}"
    summary = f"Reached {label}." + (
        f" {len(next_steps)} criteria stand between it and {next_level['name']}." if next_level else " Top level."
    )
    return {
        "dimensions": dims,
        "overall": {
            "score": float(max(reached_rank, 0)),
            "max": float(top_rank),
            "normalised": _round(max(reached_rank, 0) / top_rank) if top_rank > 0 else 1.0,
        },
        "label": label,
        "band": None,
        "level": ({"id": reached["id"], "name": reached["name"], "rank": reached_rank} if reached else None),
        "levels_attained": [lv["id"] for lv in levels if attained[lv["id"]]],
        "weakest": [],
        "summary": summary,
        "held_back": held_back,
        "next_steps": next_steps,
    }


# --- weighted questionnaire -----------------------------------------------------------------------------------------


def _score_weighted(definition: Definition, answers: Answers) -> dict[str, Any]:
    dims = _dimension_scores(definition, answers)
    got = sum(d["score"] for d in dims)
    top = sum(d["max"] for d in dims)
    normalised = _round(got / top) if top > 0 else 0.0
    bands = definition["bands"]
    band_index, band = band_for(bands, normalised)

    scored = [d for d in dims if d["normalised"] is not None]
    weakest_value = min((d["normalised"] for d in scored), default=None)
    weakest = [d for d in scored if d["normalised"] == weakest_value]

    gaps = []
    for order, (dimension, question) in enumerate(iter_questions(definition)):
        value = _value(answers, question["id"])
        if value is None:
            continue
        q_top = scale_max(definition, question)
        if value < q_top - _EPS:
            effect = weight(question) * (q_top - value) / top if top > 0 else 0.0
            gaps.append((-effect, 0 if question.get("required", True) else 1, order, dimension, question, value, q_top))
    gaps.sort(key=lambda g: (g[0], g[1], g[2]))

    held_back = []
    weak_ids = {d["id"] for d in weakest}
    for _, _, _, dimension, question, value, q_top in gaps:
        if dimension["id"] in weak_ids:
            ref = _question_ref(dimension, question, value, q_top)
            ref["reason"] = f"weakest dimension '{dimension['name']}'"
            held_back.append(ref)

    next_steps = []
    running = got
    target = bands[band_index + 1]["label"] if band_index < len(bands) - 1 else None
    threshold = band["max"]
    for neg_effect, _, _, dimension, question, value, q_top in gaps[:25]:
        before = running / top if top else 0.0
        running += weight(question) * (q_top - value)
        step = _question_ref(dimension, question, value, q_top)
        needed = target is not None and threshold is not None and before <= threshold + _EPS
        step.update(
            {
                "to": q_top,
                "effect": f"overall +{-neg_effect * 100:.1f} points",
                "gain": _round(-neg_effect),
                "target": target if needed else None,
                "recommendation": question["recommendation"],
            }
        )
        next_steps.append(step)
    summary = f"Overall {normalised * 100:.0f}% of the maximum ({band['label']})" + (
        f"; weakest: {', '.join(d['name'] for d in weakest)}." if weakest else "."
    )
    return {
        "dimensions": dims,
        "overall": {"score": normalised, "max": 1.0, "normalised": normalised},
        "label": band["label"],
        "band": {"index": band_index, "label": band["label"], "description": band.get("description", "")},
        "level": None,
        "weakest": [d["id"] for d in weakest],
        "summary": summary,
        "held_back": held_back,
        "next_steps": next_steps,
    }


# --- answer once, see every framework -------------------------------------------------------------------------------


def tag_evidence(definition: Definition, answers: Answers) -> dict[str, tuple[float | None, list[str]]]:
    """For each tag: the share of the maximum (0..1) it is evidenced at, and the questions that decided it.

    Conservative: the weakest of the tagged answers counts (unanswered = 0). A tag whose only answers are "not
    applicable" is itself not applicable (share ``None``).
    """
    found: dict[str, list[tuple[float | None, str]]] = {}
    for _, question in iter_questions(definition):
        value = _value(answers, question["id"])
        share = None if value is None else value / scale_max(definition, question)
        for tag in question.get("tags", []):
            found.setdefault(tag, []).append((share, question["id"]))
    evidence: dict[str, tuple[float | None, list[str]]] = {}
    for tag, items in found.items():
        applicable = [(share, qid) for share, qid in items if share is not None]
        if not applicable:
            evidence[tag] = (None, [qid for _, qid in items])
            continue
        weakest = min(share for share, _ in applicable)
        evidence[tag] = (weakest, [qid for share, qid in applicable if abs(share - weakest) < _EPS])
    return evidence


def derive_answers(
    target: Definition, source: Definition, source_answers: Answers
) -> tuple[dict[str, float | None], dict[str, list[str]]]:
    """Answers to ``target`` estimated from ``source`` answers through shared tags, and which answers decided each.

    A target question takes the weakest evidence among its tags that the source covers, rounded down to the target
    scale; a target question the source does not cover counts as 0 (no evidence). Not applicable stays not
    applicable, except under the minimum-of-sections rule, which has no such answer (it counts 0 there).
    """
    evidence = tag_evidence(source, source_answers)
    derived: dict[str, float | None] = {}
    decided_by: dict[str, list[str]] = {}
    for _, question in iter_questions(target):
        covered = [evidence[t] for t in question.get("tags", []) if t in evidence]
        if not covered:
            derived[question["id"]] = 0.0
            decided_by[question["id"]] = []
            continue
        applicable = [(c_share, c_ids) for c_share, c_ids in covered if c_share is not None]
        if not applicable:
            derived[question["id"]] = 0.0 if target["method"] == "min_section_sum" else None
            decided_by[question["id"]] = sorted({qid for c in covered for qid in c[1]})
            continue
        share = min(c[0] for c in applicable)
        deciders = sorted({qid for c in applicable if abs(c[0] - share) < _EPS for qid in c[1]})
        top = scale_max(target, question)
        allowed = [v for v in scale_values(target, question) if v / top <= share + _EPS]
        derived[question["id"]] = max(allowed) if allowed else 0.0
        decided_by[question["id"]] = deciders
    return derived, decided_by


def derive_result(target: Definition, source: Definition, source_answers: Answers) -> dict[str, Any]:
    """Score ``target`` from ``source`` answers; every gap and next step names the source answers behind it."""
    answers, decided_by = derive_answers(target, source, source_answers)
    result = score(target, answers)
    for item in [*result["held_back"], *result["next_steps"]]:
        item["source_questions"] = decided_by.get(item["question"], [])
    covered = sum(1 for deciders in decided_by.values() if deciders)
    result["derived_from"] = source["slug"]
    result["coverage"] = {"covered": covered, "total": len(decided_by)}
    result["decided_by"] = decided_by
    return result
