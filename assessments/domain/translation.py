"""Framework texts in more than one language: Korean beside English in the same file (pure module, no Django).

A text field ``F`` (a name, question text, "why it matters", help, answer label, next step...) may carry its
translation in ``F_<lang>`` next to it, e.g. ``text: "Is ...?"`` and ``text_ko: "...합니까?"``. The English field stays
the canonical one: scoring, stored answers, results and audit payloads use it whatever language a reader has; only
what is shown is swapped by ``localise``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

#: Languages a framework file may carry beside English (the ``_<lang>`` suffix).
TRANSLATED_LANGUAGES = ("ko",)

#: Where the translatable text fields are: (path of the objects, their text fields).
_FRAMEWORK_FIELDS = ("name", "description")
_SCALE_FIELDS = ("label",)
_BAND_FIELDS = ("label", "description")
_DIMENSION_FIELDS = ("name", "description")
_QUESTION_FIELDS = ("text", "help", "why", "recommendation")
_LEVEL_FIELDS = ("name", "description")

#: Every translatable field name, for the file schema: ``{"text", "help", ...}``.
TEXT_FIELDS = frozenset(
    _FRAMEWORK_FIELDS + _SCALE_FIELDS + _BAND_FIELDS + _DIMENSION_FIELDS + _QUESTION_FIELDS + _LEVEL_FIELDS
)


def _objects(document: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any], tuple[str, ...]]]:
    """(location, object, its text fields) of every object carrying translatable text, in document order."""
    yield "(document)", document, _FRAMEWORK_FIELDS
    for name, options in (document.get("scales") or {}).items():
        for i, option in enumerate(options):
            yield f"scales.{name}[{i}]", option, _SCALE_FIELDS
    for i, band in enumerate(document.get("bands") or []):
        yield f"bands[{i}]", band, _BAND_FIELDS
    for d, dimension in enumerate(document.get("dimensions") or []):
        yield f"dimensions[{d}]", dimension, _DIMENSION_FIELDS
        for q, question in enumerate(dimension.get("questions") or []):
            yield f"dimensions[{d}].questions[{q}]", question, _QUESTION_FIELDS
    for i, level in enumerate(document.get("levels") or []):
        yield f"levels[{i}]", level, _LEVEL_FIELDS


def missing_translations(document: Mapping[str, Any], language: str) -> list[str]:
    """Every English text of ``document`` without its ``language`` text beside it, as ``"<location>.<field>_ko"``."""
    missing = []
    for where, obj, fields in _objects(document):
        for field in fields:
            english = obj.get(field)
            if isinstance(english, str) and english.strip():
                translated = obj.get(f"{field}_{language}")
                if not (isinstance(translated, str) and translated.strip()):
                    prefix = "" if where == "(document)" else f"{where}."
                    missing.append(f"{prefix}{field}_{language}: no {language} text beside the English one.")
    return missing


def base_language(language: str | None) -> str:
    """``"ko-kr"`` -> ``"ko"``; English and unknown languages -> ``"en"``."""
    code = (language or "en").lower().replace("_", "-").split("-")[0]
    return code if code in TRANSLATED_LANGUAGES else "en"


def localise(document: Mapping[str, Any], language: str | None) -> dict[str, Any]:
    """A copy of ``document`` whose text fields read in ``language`` (the English text where no translation is
    given). Ids, values, weights and rules are untouched, so the copy scores exactly as the original."""
    out: dict[str, Any] = copy.deepcopy(dict(document))
    lang = base_language(language)
    if lang == "en":
        return out
    for _, obj, fields in _objects(out):
        for field in fields:
            translated = obj.get(f"{field}_{lang}")
            if isinstance(translated, str) and translated.strip():
                obj[field] = translated  # type: ignore[index]
    return out
