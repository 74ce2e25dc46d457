"""Column typing: which columns a drift check compares, and how. No Django imports.

By default a column is typed exactly as Evidently 0.7 types it (``evidently.core.datasets.infer_column_type``), from
the CURRENT data, as ``Report.run(current, reference)`` does:

- a float dtype is numerical;
- an integer dtype is categorical when it holds at most 10 distinct values (``INTEGER_CARDINALITY_LIMIT``), numerical
  otherwise;
- strings (``object`` whose first and last non-missing values are ``str``, or the ``string`` dtype) are text when more
  than half of the non-missing values are distinct, categorical otherwise;
- ``bool`` and ``category`` dtypes are categorical;
- a datetime dtype is a datetime column and is not checked (a single one is Evidently's timestamp);
- anything else is unknown and not checked.

Deliberate differences (each listed in docs/drift-vs-evidently.md and tested): pandas' nullable ``Int64``/``UInt*``
and ``Float64`` dtypes and unsigned integers follow the integer and float rules and ``boolean`` (and an ``object``
column of booleans with blanks) is categorical, where Evidently types them unknown and silently leaves them out.

``typing_from="reference"`` types from the reference data instead; ``overrides`` (``--column-type NAME=KIND``) set a
column's kind by hand. When the two files disagree on whether a column holds numbers or text, the column keeps the
reference's kind (the batch is coerced to it; the values that do not fit are counted as type mismatches).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from .profile import CATEGORICAL, KINDS, NUMERICAL, TEXT

DATETIME, UNKNOWN = "datetime", "unknown"
ALL_KINDS = (*KINDS, DATETIME, UNKNOWN)
INTEGER_CARDINALITY_LIMIT = 10  # evidently.core.datasets.INTEGER_CARDINALITY_LIMIT
TEXT_UNIQUE_SHARE = 0.5  # strings with more than this share of distinct values are text
TYPING_SOURCES = ("current", "reference")


class TypingError(ValueError):
    """A column cannot be given the kind asked for; the message names the column and says why."""


@dataclass(frozen=True)
class ColumnTyping:
    """How one column is typed: ``kind`` is what the check uses, ``evidently`` what Evidently 0.7 would use on the
    same frame, ``rule`` says why in words, ``source`` where the kind came from (current, reference, configured)."""

    name: str
    kind: str
    evidently: str
    rule: str
    source: str
    dtype: str

    @property
    def checked(self) -> bool:
        return self.kind in KINDS

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def evidently_kind(series: pd.Series) -> str:
    """Evidently 0.7's ``infer_column_type``, rule for rule (including its gaps: nullable dtypes are unknown)."""
    name = series.dtype.name
    if name.startswith("float"):
        return NUMERICAL
    if name.startswith("int"):
        return CATEGORICAL if series.nunique() <= INTEGER_CARDINALITY_LIMIT else NUMERICAL
    if name in ("string", "str"):
        return TEXT if series.nunique() > series.count() * TEXT_UNIQUE_SHARE else CATEGORICAL
    if name == "object":
        without_na = series.dropna()
        if without_na.count() == 0:
            return UNKNOWN
        if isinstance(without_na.iloc[0], str) and isinstance(without_na.iloc[-1], str):
            return TEXT if series.nunique() > series.count() * TEXT_UNIQUE_SHARE else CATEGORICAL
        return UNKNOWN
    if name in ("bool", "category"):
        return CATEGORICAL
    if name.startswith("datetime"):
        return DATETIME
    return UNKNOWN


def infer_kind(series: pd.Series) -> tuple[str, str]:
    """The kind mlops-gov gives a column and the rule in words: Evidently's rules, plus the nullable and unsigned
    dtypes Evidently leaves out."""
    dtype = series.dtype
    name = dtype.name
    if name.lower().startswith("float"):
        return NUMERICAL, f"{name}: numerical"
    if name.lower().startswith(("int", "uint")):
        distinct = int(series.nunique())
        if distinct <= INTEGER_CARDINALITY_LIMIT:
            return CATEGORICAL, f"{name} with {distinct} distinct values (<= {INTEGER_CARDINALITY_LIMIT}): categorical"
        return NUMERICAL, f"{name} with {distinct} distinct values (> {INTEGER_CARDINALITY_LIMIT}): numerical"
    if name in ("bool", "boolean", "category"):
        return CATEGORICAL, f"{name}: categorical"
    if name.startswith("datetime"):
        return DATETIME, f"{name}: a timestamp, not checked for drift"
    if name in ("string", "str", "object"):
        values = series.dropna()
        if values.empty:
            return UNKNOWN, "no values: not checked"
        if name == "object" and not (isinstance(values.iloc[0], str) and isinstance(values.iloc[-1], str)):
            if pd.api.types.infer_dtype(values, skipna=True) == "boolean":
                return CATEGORICAL, "booleans with blanks: categorical"
            return UNKNOWN, "neither numbers nor strings: not checked"
        distinct, count = int(series.nunique()), int(series.count())
        share = distinct / count
        if distinct > count * TEXT_UNIQUE_SHARE:
            return TEXT, f"strings, {share:.0%} distinct (> {TEXT_UNIQUE_SHARE:.0%}): text"
        return CATEGORICAL, f"strings, {share:.0%} distinct (<= {TEXT_UNIQUE_SHARE:.0%}): categorical"
    return UNKNOWN, f"{name}: not checked"


def holds_numbers(series: pd.Series) -> bool:
    """Numeric storage (bool excluded): the values are numbers, whatever kind the column is given."""
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def parse_column_types(items: Iterable[str] | Mapping[str, str]) -> dict[str, str]:
    """``["a=categorical", "b=text"]`` (the CLI's ``--column-type``) or a mapping, validated."""
    pairs: list[tuple[str, str]] = []
    if isinstance(items, Mapping):
        pairs = [(str(k), v) for k, v in items.items()]
    else:
        for item in items:
            name, sep, kind = str(item).rpartition("=")
            if not sep or not name:
                raise TypingError(f"--column-type {item!r}: write NAME=KIND (KIND one of {', '.join(KINDS)}).")
            pairs.append((name, kind))
    out: dict[str, str] = {}
    for name, kind in pairs:
        if not isinstance(kind, str) or kind.strip().lower() not in KINDS:
            raise TypingError(f"Column {name!r}: kind must be one of {', '.join(KINDS)}, not {kind!r}.")
        out[name] = kind.strip().lower()
    return out


def check_kind_fits(name: str, kind: str, dtype: str) -> None:
    """Refuse a configured kind that cannot hold the column's values (``dtype`` as read)."""
    numbers = _numeric_dtype(dtype)
    if kind == NUMERICAL and not numbers:
        raise TypingError(f"Column {name!r} cannot be numerical: it holds {dtype} values, not numbers.")
    if kind == TEXT and numbers:
        raise TypingError(f"Column {name!r} cannot be text: it holds numbers.")


def _configured(series: pd.Series, name: str, kind: str) -> ColumnTyping:
    check_kind_fits(name, kind, series.dtype.name)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        raise TypingError(f"Column {name!r} holds dates: it cannot be {kind}; it is not checked for drift.")
    return ColumnTyping(name, kind, evidently_kind(series), f"configured: {kind}", "configured", series.dtype.name)


def type_frame(
    frame: pd.DataFrame,
    *,
    exclude: Iterable[str] = (),
    overrides: Mapping[str, str] | None = None,
    source: str = "current",
) -> list[ColumnTyping]:
    """Type every column of ``frame`` except ``exclude`` (role columns). ``overrides`` must name columns of the
    frame; raises ``TypingError`` naming the column otherwise or when a kind cannot apply."""
    overrides = dict(overrides or {})
    skipped = set(exclude)
    unknown = sorted(name for name in overrides if name not in frame.columns or name in skipped)
    if unknown:
        raise TypingError(
            f"--column-type names {', '.join(repr(n) for n in unknown)}, not a feature column of the data."
        )
    out: list[ColumnTyping] = []
    for name in frame.columns:
        if name in skipped:
            continue
        series = frame[name]
        if name in overrides:
            out.append(_configured(series, name, overrides[name]))
            continue
        kind, rule = infer_kind(series)
        out.append(ColumnTyping(name, kind, evidently_kind(series), rule, source, series.dtype.name))
    return out


def typing_from_schema(schema: list[dict[str, Any]], source: str) -> list[ColumnTyping]:
    """The typing stored with a dataset (``Table.schema()``); datasets stored before typing was kept have only name,
    kind and dtype: their kind is taken as given."""
    out = []
    for entry in schema:
        kind = str(entry.get("kind", UNKNOWN))
        out.append(
            ColumnTyping(
                name=str(entry["name"]),
                kind=kind,
                evidently=str(entry.get("evidently", kind)),
                rule=str(entry.get("rule", f"{kind} (stored before typing rules were recorded)")),
                source=source if entry.get("source") != "configured" else "configured",
                dtype=str(entry.get("dtype", "")),
            )
        )
    return out


def reconcile(current: list[ColumnTyping], reference: list[ColumnTyping], typing_from: str) -> list[ColumnTyping]:
    """The kinds a check uses, in the reference's column order: the current data's typing (Evidently's default) or
    the reference's; a configured kind wins; when the files disagree on numbers vs text the reference's kind wins."""
    if typing_from not in TYPING_SOURCES:
        raise TypingError(f"typing_from must be one of {', '.join(TYPING_SOURCES)}, not {typing_from!r}.")
    by_name = {t.name: t for t in current}
    out: list[ColumnTyping] = []
    for ref in reference:
        cur = by_name.get(ref.name)
        if cur is None:
            continue
        if not ref.checked and ref.source != "configured":
            chosen = ref  # a reference timestamp (or unknown column) is never checked: there is nothing to compare
        elif ref.source == "configured" or cur.source == "configured":
            chosen = cur if cur.source == "configured" else ref
        elif typing_from == "reference":
            chosen = ref
        elif ref.checked and (cur.kind == UNKNOWN or (cur.checked and _disagree(ref, cur))):
            chosen = ColumnTyping(
                ref.name,
                ref.kind,
                cur.evidently,
                f"{ref.rule} (reference; this batch holds {cur.dtype} values and was coerced)",
                "reference",
                cur.dtype,
            )
        else:
            chosen = cur
        out.append(chosen)
    return out


def number_label(value: float) -> str:
    """The label of a number in a column the reference holds as text: "3" for 3 and 3.0, repr otherwise."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def coerce_to(series: pd.Series, kind: str, *, reference_holds_numbers: bool) -> tuple[pd.Series, int]:
    """A batch column made to fit the reference's storage: text to numbers (the values that are not numbers become
    missing, and are counted), numbers to their labels when the reference holds text. Returns (series, mismatches)."""
    numbers = holds_numbers(series)
    if reference_holds_numbers and not numbers:
        converted = pd.to_numeric(series, errors="coerce").astype("float64")
        return converted, int(series.notna().sum() - converted.notna().sum())
    if not reference_holds_numbers and numbers and kind != NUMERICAL:
        return series.map(number_label, na_action="ignore").astype(object), 0
    return series, 0


def _disagree(ref: ColumnTyping, cur: ColumnTyping) -> bool:
    return _numeric_dtype(ref.dtype) != _numeric_dtype(cur.dtype)


def _numeric_dtype(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith(("float", "int", "uint"))
