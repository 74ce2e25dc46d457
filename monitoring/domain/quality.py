"""Data quality (completeness, validity, integrity, consistency) and model quality (scikit-learn metrics) of a
current batch against its reference. Pure functions, no Django."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from monitoring.domain.profile import CATEGORICAL, NUMERICAL, ColumnSpec, ReferenceProfile

HIGHER_IS_BETTER = {"accuracy", "precision", "recall", "f1", "roc_auc", "r2"}
LOWER_IS_BETTER = {"mae", "rmse"}
DEFAULT_MAX_DEGRADATION = 0.1
_EXAMPLES = 10


def _share(part: int, whole: int) -> float:
    return float(part) / whole if whole else 0.0


def data_quality(
    profile: ReferenceProfile,
    current: pd.DataFrame,
    columns: list[ColumnSpec],
    *,
    type_mismatches: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Per column: missing share (now and in the reference), values outside the reference range (numeric),
    categories never seen in the reference (categorical), type mismatches; per batch: duplicate rows."""
    n = len(current)
    per_column = column_quality(profile, current, columns, type_mismatches=type_mismatches)
    duplicates = int(current.duplicated().sum()) if n else 0
    return summarise_quality(per_column, rows=n, duplicates=duplicates)


def column_quality(
    profile: ReferenceProfile,
    current: pd.DataFrame,
    columns: list[ColumnSpec],
    *,
    type_mismatches: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """The per-column half of ``data_quality``: each column needs only itself, so a column-sharded check computes
    it shard by shard and ``summarise_quality`` puts the halves together."""
    type_mismatches = type_mismatches or {}
    n = len(current)
    per_column = []
    for spec in columns:
        series = current[spec.name]
        missing = int(series.isna().sum())
        row: dict[str, Any] = {
            "column": spec.name,
            "kind": spec.kind,
            "missing": missing,
            "missing_share": _share(missing, n),
            "reference_missing_share": float(profile.missing_share(spec.name)),
            "type_mismatches": int(type_mismatches.get(spec.name, 0)),
            "out_of_range": 0,
            "unseen_categories": 0,
            "unseen_examples": [],
        }
        if spec.kind == NUMERICAL:
            low, high = profile.numeric_range(spec.name)
            values = series.to_numpy(dtype="float64", na_value=np.nan)
            with np.errstate(invalid="ignore"):
                row["out_of_range"] = int(np.count_nonzero((values < low) | (values > high)))
            row["reference_range"] = [low, high]
        elif spec.kind == CATEGORICAL:
            known = profile.categories(spec.name)
            counts = series.dropna().astype(str).value_counts()
            unseen = counts[~counts.index.isin(list(known))]
            row["unseen_categories"] = int(unseen.sum())
            row["unseen_examples"] = [str(v) for v in unseen.index[:_EXAMPLES]]
        row["out_of_range_share"] = _share(row["out_of_range"], n)
        row["unseen_share"] = _share(row["unseen_categories"], n)
        per_column.append(row)
    return per_column


def summarise_quality(per_column: list[dict[str, Any]], *, rows: int, duplicates: int) -> dict[str, Any]:
    """The batch-level data quality from the per-column rows, the row count and the duplicate-row count."""
    total_cells = rows * len(per_column)
    total_missing = sum(r["missing"] for r in per_column)
    issues = sum(1 for r in per_column if r["out_of_range"] or r["unseen_categories"] or r["type_mismatches"])
    return {
        "rows": rows,
        "duplicate_rows": duplicates,
        "duplicate_share": _share(duplicates, rows),
        "missing_share": _share(total_missing, total_cells),
        "columns_with_issues": issues,
        "columns": per_column,
    }


# A 64-bit FNV-style step to fold one column chunk's row hashes into the running row hash.
_ROW_HASH_PRIME = np.uint64(0x100000001B3)


def fold_row_hashes(running: np.ndarray | None, chunk: pd.DataFrame) -> np.ndarray:
    """Fold the rows of ``chunk`` (some of the columns, all of the rows) into ``running`` (None to start), so the
    duplicate rows of a table too wide for memory are counted one group of columns at a time: equal rows always
    fold to equal hashes; different rows collide with probability about n^2 / 2^65 (3e-8 at a million rows)."""
    hashed = pd.util.hash_pandas_object(chunk, index=False).to_numpy(dtype=np.uint64)
    return fold_hashes(running, np.asarray(hashed))


def fold_hashes(running: np.ndarray | None, hashed: np.ndarray) -> np.ndarray:
    """Fold one chunk's row hashes into ``running``: chunks hashed apart (by parallel parts) and folded here in
    order give exactly the hashes of folding the chunks one after another."""
    if running is None:
        return hashed
    with np.errstate(over="ignore"):
        return np.asarray((running * _ROW_HASH_PRIME) ^ hashed)


def duplicate_count(row_hashes: np.ndarray) -> int:
    """Rows whose hash an earlier row already had (``DataFrame.duplicated().sum()`` on the folded hashes)."""
    if row_hashes.size == 0:
        return 0
    return int(row_hashes.size - np.unique(row_hashes).size)


def task_type(target: pd.Series) -> str:
    """Regression for a float target with many distinct values; otherwise classification."""
    values = target.dropna()
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and (values.nunique() > 20 or not np.allclose(values, np.round(values))):
        return "regression"
    return "classification"


def _labels(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_float_dtype(series) and np.allclose(series, np.round(series)):
        return np.asarray(series.astype("int64").astype(str))
    return np.asarray(series.astype(str))


def _is_score(prediction: pd.Series, target: pd.Series) -> bool:
    if not pd.api.types.is_float_dtype(prediction) or target.nunique() != 2:
        return False
    return bool(prediction.between(0, 1).all() and not np.allclose(prediction, np.round(prediction)))


def model_quality(frame: pd.DataFrame, *, target: str, prediction: str, task: str | None = None) -> dict[str, Any]:
    """Metrics of ``prediction`` against ``target`` (rows with both present). A binary target with a prediction
    in [0, 1] that is not all 0/1 is read as a score: labels at 0.5, plus ROC AUC."""
    from sklearn import metrics

    pair = frame[[target, prediction]].dropna()
    if pair.empty:
        return {"task": task or "unknown", "rows": 0, "metrics": {}, "note": "No rows with both target and prediction."}
    y, p = pair[target], pair[prediction]
    task = task or task_type(y)
    out: dict[str, float] = {}
    if task == "regression":
        y_num, p_num = pd.to_numeric(y, errors="coerce"), pd.to_numeric(p, errors="coerce")
        ok = y_num.notna() & p_num.notna()
        y_num, p_num = y_num[ok], p_num[ok]
        out["mae"] = float(metrics.mean_absolute_error(y_num, p_num))
        out["rmse"] = float(metrics.root_mean_squared_error(y_num, p_num))
        if len(y_num) > 1:
            out["r2"] = float(metrics.r2_score(y_num, p_num))
    else:
        y_labels = _labels(y)
        if _is_score(p, y):
            classes = sorted(set(y_labels))
            positive = classes[-1]
            if len(set(y_labels)) == 2:
                out["roc_auc"] = float(metrics.roc_auc_score(y_labels == positive, p))
            p_labels = np.where(p.to_numpy() >= 0.5, positive, classes[0])
        else:
            p_labels = _labels(p)
        binary = len(set(y_labels) | set(p_labels)) <= 2
        average = "binary" if binary else "macro"
        kwargs: dict[str, Any] = {"average": average, "zero_division": 0}
        if binary:
            kwargs["pos_label"] = sorted(set(y_labels) | set(p_labels))[-1]
        out["accuracy"] = float(metrics.accuracy_score(y_labels, p_labels))
        out["precision"] = float(metrics.precision_score(y_labels, p_labels, **kwargs))
        out["recall"] = float(metrics.recall_score(y_labels, p_labels, **kwargs))
        out["f1"] = float(metrics.f1_score(y_labels, p_labels, **kwargs))
    return {"task": task, "rows": len(pair), "metrics": out}


def compare_quality(
    reference: dict[str, Any], current: dict[str, Any], thresholds: dict[str, float] | None = None
) -> dict[str, Any]:
    """Current metrics against the reference's: a metric is degraded when it is worse by more than its allowed
    relative degradation (default 10%)."""
    thresholds = thresholds or {}
    rows = []
    ref_metrics, cur_metrics = reference.get("metrics", {}), current.get("metrics", {})
    for name in sorted(set(ref_metrics) & set(cur_metrics)):
        ref, cur = float(ref_metrics[name]), float(cur_metrics[name])
        allowed = float(thresholds.get(name, DEFAULT_MAX_DEGRADATION))
        scale = abs(ref) if ref else 1.0
        change = (cur - ref) / scale if name in LOWER_IS_BETTER else (ref - cur) / scale
        degraded = bool(math.isfinite(change) and change > allowed)
        rows.append(
            {
                "metric": name,
                "reference": ref,
                "current": cur,
                "degradation": change,
                "allowed": allowed,
                "degraded": degraded,
            }
        )
    return {
        "task": current.get("task"),
        "rows": current.get("rows", 0),
        "metrics": rows,
        "degraded": any(r["degraded"] for r in rows),
    }
