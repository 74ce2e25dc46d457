"""What a reader sees of a framework and of a stored result, in the reader's language (the active one).

Stored data never changes with the language: answers, results, hashes and audit payloads are written from the
English (canonical) texts. Pages, charts and reports call these functions to show the same data translated: texts
come from the framework file's ``*_ko`` fields (by id), and the engine's explanations (``summary``, ``reason``,
``effect``) are rebuilt from the English sentences it wrote, whose shapes are fixed by ``domain/scoring.py``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import get_language, gettext, gettext_noop, ngettext

from assessments.domain.translation import base_language, localise


def reader_language(language: str | None = None) -> str:
    """``"ko"`` or ``"en"``: the given language, else the active one."""
    return base_language(language or get_language())


def localised_definition(definition: Mapping[str, Any], language: str | None = None) -> dict[str, Any]:
    return localise(definition, reader_language(language))


def _num(value: float | str) -> str:
    return f"{float(value):g}"


class _Texts:
    """English -> reader's-language lookups of one framework definition."""

    def __init__(self, definition: Mapping[str, Any], language: str):
        local = localise(definition, language)
        self.name = local["name"]
        self.dimensions = {d["id"]: d["name"] for d in local["dimensions"]}
        self.questions = {q["id"]: q for d in local["dimensions"] for q in d["questions"]}
        self.labels: dict[str, str] = {}
        for english, translated in zip(definition.get("bands") or [], local.get("bands") or [], strict=True):
            self.labels[english["label"]] = translated["label"]
        for english, translated in zip(definition.get("levels") or [], local.get("levels") or [], strict=True):
            self.labels[english["name"]] = translated["name"]
        self.bands = local.get("bands") or []
        self.levels = {lv["id"]: lv["name"] for lv in local.get("levels") or []}
        self.first_level = (local.get("levels") or [{}])[0].get("name", "")
        self.english_dimensions = {d["name"]: d["id"] for d in definition["dimensions"]}

    def label(self, english: str | None) -> str | None:
        if not english:
            return english
        if english in self.labels:
            return self.labels[english]
        if english.startswith("Below ") and english[6:] in self.labels:
            return gettext("Below %(level)s") % {"level": self.labels[english[6:]]}
        return english

    def dimension_names(self, text: str) -> str:
        names = [self.dimensions.get(self.english_dimensions.get(n.strip(), ""), n.strip()) for n in text.split(", ")]
        return ", ".join(names)


_WEAKEST_SECTION = re.compile(
    r"^weakest section '(?P<name>.*)' \((?P<score>\S+) of (?P<max>\S+)\) sets the final score$"
)
_WEAKEST_DIMENSION = re.compile(r"^weakest dimension '(?P<name>.*)'$")
_NEEDED_FOR = re.compile(r"^needed for (?P<level>.*) \(at least (?P<min>\S+)\)$")
_CONTRADICTION = re.compile(r"^declared: (?P<declared>\w+), observed: (?P<observed>\w+); scored as observed$")
_SECTION_EFFECT = re.compile(r"^section '(?P<name>.*)' (?P<before>\S+) -> (?P<after>\S+)$")
_CRITERION_EFFECT = re.compile(r"^criterion of (?P<level>.*)$")
_OVERALL_EFFECT = re.compile(r"^overall \+(?P<points>\S+) points$")
_LEVEL_SUMMARY = re.compile(
    r"^Reached (?P<label>.*?)\.(?: (?P<n>\d+) criteria stand between it and (?P<next>.*)\.| Top level\.)$"
)


def status_word(word: str) -> str:
    """An observation status ("yes", "partly", "no") in the reader's language."""
    return {"yes": gettext("yes"), "partly": gettext("partly"), "no": gettext("no")}.get(word, word)


def _reason(item: Mapping[str, Any], texts: _Texts) -> str:
    reason = str(item.get("reason", ""))
    dimension = texts.dimensions.get(str(item.get("dimension", "")), "")
    if m := _WEAKEST_SECTION.match(reason):
        return gettext("weakest section '%(name)s' (%(score)s of %(max)s) sets the final score") % {
            "name": dimension or m["name"],
            "score": m["score"],
            "max": m["max"],
        }
    if m := _WEAKEST_DIMENSION.match(reason):
        return gettext("weakest dimension '%(name)s'") % {"name": dimension or m["name"]}
    if m := _NEEDED_FOR.match(reason):
        return gettext("needed for %(level)s (at least %(min)s)") % {"level": texts.label(m["level"]), "min": m["min"]}
    if m := _CONTRADICTION.match(reason):
        return gettext("declared: %(declared)s, observed: %(observed)s; scored as observed") % {
            "declared": status_word(m["declared"]),
            "observed": status_word(m["observed"]),
        }
    return reason


def _effect(item: Mapping[str, Any], texts: _Texts) -> str:
    effect = str(item.get("effect", ""))
    dimension = texts.dimensions.get(str(item.get("dimension", "")), "")
    if m := _SECTION_EFFECT.match(effect):
        return gettext("section '%(name)s' %(before)s → %(after)s") % {
            "name": dimension or m["name"],
            "before": m["before"],
            "after": m["after"],
        }
    if m := _CRITERION_EFFECT.match(effect):
        return gettext("criterion of %(level)s") % {"level": texts.label(m["level"])}
    if m := _OVERALL_EFFECT.match(effect):
        return gettext("overall +%(points)s points") % {"points": m["points"]}
    return effect


def _summary(result: Mapping[str, Any], texts: _Texts) -> str:
    summary = str(result.get("summary", ""))
    method = (result.get("framework") or {}).get("method")
    dims = result.get("dimensions") or []
    weakest = ", ".join(texts.dimensions.get(d, d) for d in result.get("weakest") or [])
    if method == "min_section_sum" and summary.startswith("Final score "):
        sections = ", ".join(f"{texts.dimensions.get(d['id'], d['name'])} {_num(d['score'])}" for d in dims)
        return gettext("Final score %(final)s = minimum of the section scores %(sections)s; weakest: %(weakest)s.") % {
            "final": _num(result["overall"]["score"]),
            "sections": sections,
            "weakest": weakest,
        }
    if method == "weighted" and summary.startswith("Overall "):
        values = {"percent": f"{result['overall']['normalised'] * 100:.0f}", "label": texts.label(result.get("label"))}
        if weakest:
            return gettext("Overall %(percent)s%% of the maximum (%(label)s); weakest: %(weakest)s.") % {
                **values,
                "weakest": weakest,
            }
        return gettext("Overall %(percent)s%% of the maximum (%(label)s).") % values
    if m := _LEVEL_SUMMARY.match(summary):
        label = texts.label(m["label"])
        if m["n"] is None:
            return gettext("Reached %(label)s. Top level.") % {"label": label}
        count = int(m["n"])
        return ngettext(
            "Reached %(label)s. %(count)d criterion stands between it and %(next)s.",
            "Reached %(label)s. %(count)d criteria stand between it and %(next)s.",
            count,
        ) % {"label": label, "count": count, "next": texts.label(m["next"])}
    return summary


def _items(items: list[dict[str, Any]], texts: _Texts) -> list[dict[str, Any]]:
    out = []
    for item in items:
        shown = dict(item)
        question = texts.questions.get(str(item.get("question", "")))
        if question is not None:
            shown["text"] = question["text"]
            if "recommendation" in item:
                shown["recommendation"] = question["recommendation"]
        if "reason" in item:
            shown["reason"] = _reason(item, texts)
        if "effect" in item:
            shown["effect"] = _effect(item, texts)
        if item.get("target"):
            shown["target"] = texts.label(item["target"])
        out.append(shown)
    return out


def localised_result(
    result: Mapping[str, Any] | None, definition: Mapping[str, Any], language: str | None = None
) -> dict[str, Any] | None:
    """A copy of a stored scoring result whose texts read in the reader's language; numbers and ids unchanged.

    ``definition`` is the framework version the result was scored with (its English texts are what the result
    holds). English readers get an untouched copy."""
    if result is None:
        return None
    lang = reader_language(language)
    shown: dict[str, Any] = copy.deepcopy(dict(result))
    if lang == "en" or not definition:
        return shown
    texts = _Texts(definition, lang)
    shown["framework"] = {**shown.get("framework", {}), "name": texts.name}
    shown["dimensions"] = [{**d, "name": texts.dimensions.get(d["id"], d["name"])} for d in shown.get("dimensions", [])]
    shown["label"] = texts.label(shown.get("label"))
    band = shown.get("band")
    if band and 0 <= band.get("index", -1) < len(texts.bands):
        local = texts.bands[band["index"]]
        shown["band"] = {**band, "label": local["label"], "description": local.get("description", "")}
    level = shown.get("level")
    if level:
        shown["level"] = {**level, "name": texts.levels.get(level["id"], level["name"])}
    shown["summary"] = _summary(result, texts)
    shown["held_back"] = _items(shown.get("held_back", []), texts)
    shown["next_steps"] = _items(shown.get("next_steps", []), texts)
    return shown


def localised_assessment_result(result: Mapping[str, Any] | None, definition: Mapping[str, Any]) -> dict | None:
    """``localised_result`` of an assessment's stored result, with its estimates for the derived frameworks
    (each localised with the framework version it was scored against)."""
    shown = localised_result(result, definition)
    if not shown or reader_language() == "en" or not shown.get("derived"):
        return shown
    from assessments.models import Framework

    derived = {}
    for slug, estimate in shown["derived"].items():
        version = (estimate.get("framework") or {}).get("version")
        target = Framework.objects.filter(slug=slug, version=int(version or 0)).only("definition").first()
        derived[slug] = localised_result(estimate, target.definition) if target is not None else estimate
    shown["derived"] = derived
    return shown


def framework_name(definition: Mapping[str, Any]) -> str:
    """The framework's name in the reader's language."""
    lang = reader_language()
    return str((definition.get(f"name_{lang}") if lang != "en" else None) or definition.get("name", ""))


def label_text(definition: Mapping[str, Any], label: str) -> str:
    """A stored band or level label (English) in the reader's language."""
    lang = reader_language()
    if lang == "en" or not label:
        return label
    for band in definition.get("bands") or []:
        if band.get("label") == label:
            return str(band.get(f"label_{lang}") or label)
    levels = definition.get("levels") or []
    for level in levels:
        if level.get("name") == label:
            return str(level.get(f"name_{lang}") or label)
    if levels and label == f"Below {levels[0].get('name')}":
        return gettext("Below %(level)s") % {"level": levels[0].get(f"name_{lang}") or levels[0].get("name")}
    return label


# The evidence rules' titles (their apps register them in English); the questionnaire and the measurement pages
# show them, so their Korean lives with those pages. A test checks every installed rule's title is here.
RULE_TITLES = (
    gettext_noop("Maturity reviewed on a schedule"),
    gettext_noop("Drift and stale-data alerts reach people"),
    gettext_noop("Data quality measured on every batch"),
    gettext_noop("Drift checks run on schedule"),
    gettext_noop("Monitoring configured, routed and running"),
    gettext_noop("Model quality tracked with labels"),
    gettext_noop("Reference data registered and profiled"),
    gettext_noop("Serving batches checked against the reference"),
    gettext_noop("Training data named and hashed"),
    gettext_noop("Promotion approved by others, as the policy requires"),
    gettext_noop("Business goal and success KPI recorded"),
    gettext_noop("Code repository and commit recorded"),
    gettext_noop("Run, parameters and metrics tracked"),
    gettext_noop("Input signature recorded"),
    gettext_noop("In the inventory with owner, team, tier and stage"),
    gettext_noop("Data, code and parameter lineage captured"),
    gettext_noop("Model card complete"),
    gettext_noop("Release gated on metric thresholds"),
    gettext_noop("Risk tier with intended and out-of-scope use"),
    gettext_noop("A rollback candidate exists, rollback rehearsed"),
    gettext_noop("Stages moved through the registry"),
    gettext_noop("Audit trail kept and its chain verified recently"),
    gettext_noop("Governance report stored on the last promotion"),
)


def rule_title(title: str) -> str:
    """An evidence rule's title in the reader's language."""
    return gettext(title) if title else title
