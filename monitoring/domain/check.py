"""A whole drift check from two frames: type the columns (Evidently's rules, from the current data by default),
profile the reference, validate the configuration against the kinds, compute. No Django imports.

The CLI calls ``check_frames`` directly; the service stores each dataset's typing at upload and calls
``plan_columns`` + ``compute_drift`` with the stored reference profile.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .coltypes import ColumnTyping, TypingError, coerce_to, holds_numbers, reconcile, type_frame
from .drift import DriftConfig, DriftError, DriftResult, compute_drift
from .profile import ColumnSpec, ProfileError, ReferenceProfile


@dataclass
class CheckOutcome:
    result: DriftResult
    typing: list[ColumnTyping]  # every column the check looked at, checked or not, with the rule that typed it
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return {**self.result.to_dict(), "typing": [t.to_dict() for t in self.typing], "seed": self.seed}


def plan_columns(
    reference_typing: list[ColumnTyping], current_typing: list[ColumnTyping], config: DriftConfig
) -> list[ColumnTyping]:
    """The typing a check uses (``config.typing_from``), in the reference's column order. Raises ``DriftError``."""
    try:
        return reconcile(current_typing, reference_typing, config.typing_from)
    except TypingError as exc:
        raise DriftError(str(exc)) from None


def _fit_to_reference(
    current: pd.DataFrame, typing: list[ColumnTyping], reference: dict[str, ColumnTyping]
) -> pd.DataFrame:
    """Where the two files disagree on numbers vs text, the batch is coerced to the reference's storage (as the
    upload does): a copy of only those columns, the caller's frame untouched."""
    changed: dict[str, pd.Series] = {}
    for typed in typing:
        ref = reference.get(typed.name)
        if ref is None or not typed.checked:
            continue
        ref_numbers = _numeric_name(ref.dtype)
        if ref_numbers != holds_numbers(current[typed.name]):
            changed[typed.name], _ = coerce_to(current[typed.name], typed.kind, reference_holds_numbers=ref_numbers)
    return current.assign(**changed) if changed else current


def _numeric_name(dtype: str) -> bool:
    return dtype.lower().startswith(("float", "int", "uint"))


def excluded_columns(config: DriftConfig, roles: Iterable[str] = ()) -> list[str]:
    return [*roles, *([config.timestamp] if config.timestamp else [])]


def check_frames(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    config: DriftConfig | None = None,
    *,
    roles: Iterable[str] = (),
    reference_typing: list[ColumnTyping] | None = None,
    current_typing: list[ColumnTyping] | None = None,
) -> CheckOutcome:
    """Drift of ``current`` against ``reference`` (raw frames, every column but ``roles`` and the timestamp).
    The typings default to those of the frames themselves; pass the ones computed at ingest when the frames were
    normalised since. Raises ``DriftError`` naming the column on any input that cannot be checked."""
    config = config or DriftConfig()
    exclude = excluded_columns(config, roles)
    for label, frame in (("reference", reference), ("current", current)):
        if config.timestamp and config.timestamp not in frame.columns:
            raise DriftError(f"The timestamp column {config.timestamp!r} is not in the {label} data.")
        if frame.columns.duplicated().any():
            dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
            raise DriftError(f"The {label} data has duplicate column names: {', '.join(dup)}.")
    try:
        if reference_typing is None:
            reference_typing = type_frame(reference, exclude=exclude, overrides=config.column_types, source="reference")
        if current_typing is None:
            current_typing = type_frame(current, exclude=exclude, overrides=config.column_types, source="current")
    except TypingError as exc:
        raise DriftError(str(exc)) from None
    missing = [t.name for t in reference_typing if t.name not in current.columns]
    if missing:
        raise DriftError(f"The current data lacks the reference column(s): {', '.join(missing)}.")
    typing = plan_columns(reference_typing, current_typing, config)
    current = _fit_to_reference(current, typing, {t.name: t for t in reference_typing})
    checked = [t for t in typing if t.checked]
    kinds = {t.name: t.kind for t in checked}
    if not kinds:
        raise DriftError("No column to check: every column is a role, a timestamp or of a kind that is not checked.")
    config.check_columns(kinds)
    try:
        profile = ReferenceProfile.from_frame(reference, [ColumnSpec(t.name, t.kind) for t in checked])
    except ProfileError as exc:
        raise DriftError(str(exc)) from None
    result = compute_drift(profile, current, config, kinds=kinds, reference_text=lambda name: reference[name])
    return CheckOutcome(result, typing, config.effective_seed)
