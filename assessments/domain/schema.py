"""The framework file format: a JSON Schema for the shape, then semantic checks (references, duplicates, cycles).

Pure module (no Django). ``validate_framework`` returns every problem found, each prefixed with its location in the
document (e.g. ``dimensions[2].questions[0].scale``), so a refused upload can be fixed in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from assessments.domain.translation import TRANSLATED_LANGUAGES

METHODS = ("min_section_sum", "levels", "weighted")
TAG_PATTERN = r"^[a-z][a-z0-9-]*:[A-Za-z0-9._-]+$"
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
RULE_PATTERN = r"^[a-z][a-z0-9_]*\.[a-z0-9][a-z0-9._-]{0,63}$"

_TEXT = {"type": "string", "minLength": 1, "maxLength": 4000}

FRAMEWORK_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["slug", "name", "edition", "method", "scales", "dimensions"],
    "properties": {
        "slug": {"type": "string", "pattern": r"^[a-z][a-z0-9-]{1,49}$"},
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "edition": {"type": "string", "minLength": 1, "maxLength": 50},
        "description": {"type": "string", "maxLength": 4000},
        "source": {"type": "string", "maxLength": 1000},
        "method": {"enum": list(METHODS)},
        "scales": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": {"pattern": ID_PATTERN},
            "additionalProperties": {
                "type": "array",
                "minItems": 2,
                "maxItems": 11,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["value", "label"],
                    "properties": {
                        "value": {"type": "number", "minimum": 0, "maximum": 100},
                        "label": {"type": "string", "minLength": 1, "maxLength": 200},
                    },
                },
            },
        },
        "dimensions": {
            "type": "array",
            "minItems": 1,
            "maxItems": 50,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "name", "questions"],
                "properties": {
                    "id": {"type": "string", "pattern": ID_PATTERN},
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "description": {"type": "string", "maxLength": 4000},
                    "questions": {
                        "type": "array",
                        "minItems": 1,
                        "maxItems": 200,
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["id", "text", "scale", "recommendation"],
                            "properties": {
                                "id": {"type": "string", "pattern": ID_PATTERN},
                                "text": _TEXT,
                                "help": {"type": "string", "maxLength": 4000},
                                "why": {"type": "string", "maxLength": 4000},
                                "scale": {"type": "string", "minLength": 1},
                                "weight": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
                                "required": {"type": "boolean"},
                                "allow_na": {"type": "boolean"},
                                "tags": {
                                    "type": "array",
                                    "maxItems": 30,
                                    "items": {"type": "string", "pattern": TAG_PATTERN},
                                },
                                "recommendation": _TEXT,
                                "evidence": {
                                    "type": "object",
                                    "additionalProperties": False,
                                    "required": ["rule", "version"],
                                    "properties": {
                                        "rule": {"type": "string", "pattern": RULE_PATTERN},
                                        "version": {"type": "integer", "minimum": 1},
                                        "params": {
                                            "type": "object",
                                            "maxProperties": 10,
                                            "propertyNames": {"pattern": r"^[a-z][a-z0-9_]{0,39}$"},
                                            "additionalProperties": {
                                                "type": ["integer", "number", "string", "boolean"]
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
        "bands": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["max", "label"],
                "properties": {
                    "max": {"type": ["number", "null"]},
                    "label": {"type": "string", "minLength": 1, "maxLength": 200},
                    "description": {"type": "string", "maxLength": 2000},
                },
            },
        },
        "levels": {
            "type": "array",
            "minItems": 1,
            "maxItems": 20,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "name"],
                "properties": {
                    "id": {"type": "string", "pattern": ID_PATTERN},
                    "name": {"type": "string", "minLength": 1, "maxLength": 200},
                    "description": {"type": "string", "maxLength": 4000},
                    "requires": {"type": "array", "items": {"type": "string"}},
                    "criteria": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["question", "min"],
                            "properties": {"question": {"type": "string"}, "min": {"type": "number"}},
                        },
                    },
                },
            },
        },
        "derive": {
            "type": "array",
            "items": {"type": "string", "pattern": r"^[a-z][a-z0-9-]{1,49}$"},
            "uniqueItems": True,
        },
    },
}


def _allow_translations(node: dict[str, Any]) -> None:
    """Beside each text field ``F`` of an object, allow ``F_<lang>`` of the same limits (see ``translation.py``)."""
    properties = node.get("properties")
    if isinstance(properties, dict):
        for name, spec in list(properties.items()):
            if name in _TRANSLATABLE and spec.get("type") == "string":
                for lang in TRANSLATED_LANGUAGES:
                    properties[f"{name}_{lang}"] = {"type": "string", "maxLength": spec.get("maxLength", 4000)}
        for spec in properties.values():
            _allow_translations(spec)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            _allow_translations(node[key])


_TRANSLATABLE = {"name", "description", "label", "text", "help", "why", "recommendation"}
_allow_translations(FRAMEWORK_SCHEMA)
_VALIDATOR = Draft202012Validator(FRAMEWORK_SCHEMA)


def _location(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def validate_framework(document: Any, rules: Mapping[str, int] | None = None) -> list[str]:
    """Every problem in ``document`` as ``"<location>: <message>"``; an empty list means it is valid.

    ``rules`` (evidence rule id -> installed version), when given, is checked against the questions' ``evidence``:
    a question may only name an installed rule at its installed version."""
    if not isinstance(document, Mapping):
        return ["(document): the file must contain a mapping (an object) at the top level."]
    errors = [
        f"{_location(e.absolute_path)}: {e.message}"
        for e in sorted(_VALIDATOR.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    ]
    if errors:
        return errors  # semantic checks assume the shape is right
    return _semantic_errors(document) + (_evidence_errors(document, rules) if rules is not None else [])


def _evidence_errors(doc: Mapping[str, Any], rules: Mapping[str, int]) -> list[str]:
    errors = []
    for d, dim in enumerate(doc["dimensions"]):
        for q, question in enumerate(dim["questions"]):
            evidence = question.get("evidence")
            if evidence is None:
                continue
            where = f"dimensions[{d}].questions[{q}].evidence"
            installed = rules.get(evidence["rule"])
            if installed is None:
                errors.append(f"{where}.rule: no evidence rule '{evidence['rule']}' is installed.")
            elif installed != evidence["version"]:
                errors.append(
                    f"{where}.version: rule '{evidence['rule']}' is at version {installed}, not {evidence['version']}; "
                    "review what the rule now checks and name its current version."
                )
    return errors


def _semantic_errors(doc: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    scales = doc["scales"]
    for name, options in scales.items():
        values = [o["value"] for o in options]
        if len(set(values)) != len(values):
            errors.append(f"scales.{name}: values must be distinct.")
        if values != sorted(values):
            errors.append(f"scales.{name}: values must be in ascending order.")
        if max(values) <= 0:
            errors.append(f"scales.{name}: the highest value must be above 0.")

    seen_dims: set[str] = set()
    questions: dict[str, Mapping[str, Any]] = {}
    for d, dim in enumerate(doc["dimensions"]):
        if dim["id"] in seen_dims:
            errors.append(f"dimensions[{d}].id: duplicate dimension id '{dim['id']}'.")
        seen_dims.add(dim["id"])
        for q, question in enumerate(dim["questions"]):
            where = f"dimensions[{d}].questions[{q}]"
            if question["id"] in questions:
                errors.append(f"{where}.id: duplicate question id '{question['id']}'.")
            else:
                questions[question["id"]] = question
            if question["scale"] not in scales:
                errors.append(f"{where}.scale: unknown scale '{question['scale']}' (defined: {', '.join(scales)}).")
            if question.get("allow_na") and doc["method"] == "min_section_sum":
                errors.append(f"{where}.allow_na: the minimum-of-sections rule has no 'not applicable' answer.")

    method = doc["method"]
    if method in ("min_section_sum", "weighted") and not doc.get("bands"):
        errors.append(f"bands: the '{method}' method needs bands to name the result.")
    if doc.get("bands"):
        errors.extend(_band_errors(doc["bands"]))
    if method == "levels":
        if not doc.get("levels"):
            errors.append("levels: the 'levels' method needs level rules.")
        else:
            errors.extend(_level_errors(doc["levels"], questions, scales))
    elif doc.get("levels"):
        errors.append(f"levels: level rules are only used by the 'levels' method, not '{method}'.")
    if doc["slug"] in doc.get("derive", []):
        errors.append("derive: a framework cannot be derived from itself.")
    return errors


def _band_errors(bands: list[Mapping[str, Any]]) -> list[str]:
    errors = []
    maxima = [b["max"] for b in bands]
    if maxima[-1] is not None:
        errors.append(f"bands[{len(bands) - 1}].max: the last band must be open-ended (max: null).")
    bounded = maxima[:-1]
    for i, m in enumerate(bounded):
        if m is None:
            errors.append(f"bands[{i}].max: only the last band may be open-ended.")
    numbers = [m for m in bounded if m is not None]
    if numbers != sorted(set(numbers)) or len(numbers) != len(bounded):
        errors.append("bands: the band maxima must be strictly ascending.")
    return errors


def _level_errors(
    levels: list[Mapping[str, Any]], questions: Mapping[str, Mapping[str, Any]], scales: Mapping[str, Any]
) -> list[str]:
    errors: list[str] = []
    ids: dict[str, int] = {}
    for i, level in enumerate(levels):
        if level["id"] in ids:
            errors.append(f"levels[{i}].id: duplicate level id '{level['id']}'.")
        ids.setdefault(level["id"], i)
    for i, level in enumerate(levels):
        for r, required in enumerate(level.get("requires", [])):
            if required not in ids:
                errors.append(f"levels[{i}].requires[{r}]: unknown level '{required}'.")
        for c, criterion in enumerate(level.get("criteria", [])):
            question = questions.get(criterion["question"])
            if question is None:
                errors.append(f"levels[{i}].criteria[{c}].question: unknown question '{criterion['question']}'.")
                continue
            scale = scales.get(question["scale"])
            if scale and not (0 <= criterion["min"] <= max(o["value"] for o in scale)):
                errors.append(f"levels[{i}].criteria[{c}].min: {criterion['min']} is outside the question's scale.")
    cycle = find_cycle({lv["id"]: [r for r in lv.get("requires", []) if r in ids] for lv in levels})
    if cycle:
        errors.append(f"levels: the level rules form a cycle: {' -> '.join(cycle)}.")
    return errors


def find_cycle(graph: Mapping[str, list[str]]) -> list[str] | None:
    """A cycle in a dependency graph as a path (first node repeated at the end), or None."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = grey
        stack.append(node)
        for nxt in graph.get(node, []):
            if colour.get(nxt) == grey:
                return [*stack[stack.index(nxt) :], nxt]
            if colour.get(nxt) == white:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        colour[node] = black
        return None

    for node in graph:
        if colour[node] == white:
            found = visit(node)
            if found:
                return found
    return None
