"""Evidently-exact data drift, fast: the same stat tests, defaults, thresholds and verdicts as Evidently's
``DataDriftPreset``, computed once per column on the reference profile's pre-sorted values. No Django imports.

What is kept from Evidently (``evidently.legacy.calculations``):
- the stat-test catalogue (names, display names, column types, default thresholds, the ``detected`` rule);
- the default choice (``stattests.registry._get_default_stattest``): by the reference's non-missing row count
  (<= 1000: K-S, chi-square or Z-test; > 1000: Wasserstein (normed) or Jensen-Shannon) and the number of distinct
  values of reference + current (<= 5 / <= 2);
- the cleaning (+-inf -> NaN, NaNs dropped before a test), the threshold resolution (per column, then all columns,
  then the test's default) and the dataset verdict (share of drifted columns >= drift_share).

What is reimplemented: K-S, Wasserstein (normed), Jensen-Shannon, chi-square, Z-test, PSI and Kullback-Leibler, from
sorted arrays and value counts (searchsorted instead of re-sorting the reference for every test, value counts on the
profile instead of on object strings). Every other Evidently stat test is run by calling Evidently's own
implementation on a reference rebuilt from the profile.

``evidently`` is imported lazily (it costs ~3 s and ~300 MB), only for the fallback tests and the HTML report.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from .profile import (
    CATEGORICAL,
    KINDS,
    NUMERICAL,
    TEXT,
    CategoricalStats,
    ColumnSpec,
    NumericStats,
    ProfileError,
    ReferenceProfile,
    category_counts,
    finite_values,
    source_dtype,
)

P_LT, P_LE, D_GE, D_GT, AUC_PERCENTILE = "p<", "p<=", "d>=", "d>", "auc>random"


class DriftError(ValueError):
    """A drift check cannot run on this data or with this configuration; the message says why."""


@dataclass(frozen=True)
class StatTestInfo:
    name: str  # Evidently's registered name (what a configuration uses)
    display_name: str  # what Evidently reports as the method
    kinds: frozenset[str]  # column kinds Evidently accepts the test for (when configured)
    default_threshold: float
    rule: str  # P_LT: drift when score < threshold; P_LE: <=; D_GE: >=; D_GT: >; AUC_PERCENTILE: see _text_drift

    def detected(self, score: float, threshold: float) -> bool:
        if self.rule == P_LT:
            return score < threshold
        if self.rule == P_LE:
            return score <= threshold
        if self.rule == D_GE:
            return score >= threshold
        return score > threshold


def _info(name: str, display: str, kinds: tuple[str, ...], threshold: float, rule: str) -> StatTestInfo:
    return StatTestInfo(name, display, frozenset(kinds), threshold, rule)


_NUM, _CAT, _BOTH, _TEXT = (NUMERICAL,), (CATEGORICAL,), (NUMERICAL, CATEGORICAL), (TEXT,)

# Evidently 0.7's stat-test registry for numerical, categorical and text columns (checked against it in the tests).
STAT_TESTS: dict[str, StatTestInfo] = {
    info.name: info
    for info in (
        _info("anderson", "Anderson-Darling", _NUM, 0.1, P_LT),
        _info("chisquare", "chi-square p_value", _CAT, 0.05, P_LT),
        _info("cramer_von_mises", "Cramer-von Mises", _NUM, 0.1, P_LE),
        _info("ed", "Energy-distance", _NUM, 0.1, D_GT),
        _info("es", "Epps-Singleton", _NUM, 0.05, P_LT),
        _info("fisher_exact", "Fisher's Exact test", _CAT, 0.1, P_LT),
        _info("g_test", "g_test", _CAT, 0.1, P_LT),
        _info("hellinger", "Hellinger distance", _BOTH, 0.1, D_GE),
        _info("jensenshannon", "Jensen-Shannon distance", _BOTH, 0.1, D_GE),
        _info("kl_div", "Kullback-Leibler divergence", _BOTH, 0.1, D_GE),
        _info("ks", "K-S p_value", _NUM, 0.05, P_LE),
        _info("mannw", "Mann-Whitney U-rank test", _NUM, 0.05, P_LT),
        _info("empirical_mmd", "empirical_mmd", _NUM, 0.1, P_LT),
        _info("psi", "PSI", _BOTH, 0.1, D_GE),
        _info("t_test", "t_test", _NUM, 0.05, P_LT),
        _info("TVD", "Total-Variation-Distance", _CAT, 0.1, P_LT),
        _info("wasserstein", "Wasserstein distance (normed)", _NUM, 0.1, D_GE),
        _info("z", "Z-test p_value", _CAT, 0.05, P_LT),
        _info("abs_text_content_drift", "Absolute text content drift", _TEXT, 0.55, D_GT),
        _info("perc_text_content_drift", "Percentile text content drift", _TEXT, 0.95, AUC_PERCENTILE),
    )
}
# Computed here from the profile; every other test runs Evidently's own implementation.
FAST_TESTS = frozenset({"ks", "wasserstein", "jensenshannon", "chisquare", "z", "psi", "kl_div"})
# Permutation tests whose p-value depends on the ROW ORDER of the reference (a shuffle of the concatenated samples).
# The profile keeps the reference sorted, so these run on the sorted order: same method, same threshold, a p-value
# that differs from Evidently's own run by Monte Carlo noise (e.g. 0.25 instead of 0.23). TVD seeds itself (0);
# empirical_mmd draws from numpy's global generator, unseeded in Evidently: here it runs under the check's ``seed``
# so that a re-run of a stored check gives the same score.
ORDER_DEPENDENT_TESTS = frozenset({"empirical_mmd", "TVD"})
SEEDED_TESTS = frozenset({"empirical_mmd"})
DEFAULT_SEED = 0
SMALL_DATA_ROWS = 1000  # Evidently: reference (non-missing) rows <= 1000 -> small-data defaults


# ---------------------------------------------------------------------------------------------------- config
_KIND_KEYS = {NUMERICAL: "num", CATEGORICAL: "cat", TEXT: "text"}
_THRESHOLD_KEYS = ("stattest_threshold", "num_stattest_threshold", "cat_stattest_threshold", "text_stattest_threshold")


@dataclass
class DriftConfig:
    """What Evidently's ``DataDriftPreset`` takes (same names as the legacy ``DataDriftTable``), plus the column typing
    (``column_types``, ``typing_from``, ``timestamp``) and the ``seed`` of the order-dependent tests."""

    drift_share: float = 0.5  # dataset drift when share of drifted columns >= this
    stattest: str | None = None  # Evidently stat-test name for every column (None = Evidently defaults)
    num_stattest: str | None = None
    cat_stattest: str | None = None
    text_stattest: str | None = None
    per_column_stattest: dict[str, str] = field(default_factory=dict)
    stattest_threshold: float | None = None
    num_stattest_threshold: float | None = None
    cat_stattest_threshold: float | None = None
    text_stattest_threshold: float | None = None
    per_column_threshold: dict[str, float] = field(default_factory=dict)
    column_types: dict[str, str] = field(default_factory=dict)  # NAME -> numerical / categorical / text
    typing_from: str = "current"  # Evidently types columns from the current data; "reference" to type from it
    timestamp: str | None = None  # a column that is the batch's timestamp: never checked
    seed: int | None = None  # numpy seed of the order-dependent tests (None: DEFAULT_SEED)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` with a clear message when a value is out of range or a stat test is unknown."""
        if isinstance(self.drift_share, bool) or not isinstance(self.drift_share, int | float):
            raise ValueError("drift_share must be a number between 0 and 1.")
        if not (0 < float(self.drift_share) <= 1):
            raise ValueError(f"drift_share must be > 0 and <= 1, not {self.drift_share!r}.")
        for key in ("stattest", "num_stattest", "cat_stattest", "text_stattest"):
            value = getattr(self, key)
            if value is not None:
                kind = {"num_stattest": NUMERICAL, "cat_stattest": CATEGORICAL, "text_stattest": TEXT}.get(key)
                _check_stattest(value, key, kind)
        if not isinstance(self.per_column_stattest, Mapping):
            raise ValueError("per_column_stattest must be an object mapping column names to stat-test names.")
        for column, value in self.per_column_stattest.items():
            _check_stattest(value, f"per_column_stattest[{column!r}]", None)
        for key in _THRESHOLD_KEYS:
            if getattr(self, key) is not None:
                _check_threshold(getattr(self, key), key)
        if not isinstance(self.per_column_threshold, Mapping):
            raise ValueError("per_column_threshold must be an object mapping column names to thresholds.")
        for column, value in self.per_column_threshold.items():
            _check_threshold(value, f"per_column_threshold[{column!r}]")
        if not isinstance(self.column_types, Mapping):
            raise ValueError("column_types must be an object mapping column names to kinds.")
        for column, kind in self.column_types.items():
            if kind not in KINDS:
                raise ValueError(f"column_types[{column!r}] must be one of {', '.join(KINDS)}, not {kind!r}.")
        if self.typing_from not in ("current", "reference"):
            raise ValueError(f"typing_from must be 'current' or 'reference', not {self.typing_from!r}.")
        if self.timestamp is not None and (not isinstance(self.timestamp, str) or not self.timestamp):
            raise ValueError("timestamp must be a column name.")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed < 2**32
        ):
            raise ValueError(f"seed must be an integer between 0 and 2**32 - 1, not {self.seed!r}.")

    @property
    def effective_seed(self) -> int:
        return DEFAULT_SEED if self.seed is None else int(self.seed)

    def method_name(self, spec: ColumnSpec) -> str | None:
        """The configured stat-test name for a column (Evidently's precedence), or None for Evidently's default."""
        if spec.name in self.per_column_stattest:
            return self.per_column_stattest[spec.name]
        by_kind = {NUMERICAL: self.num_stattest, CATEGORICAL: self.cat_stattest, TEXT: self.text_stattest}[spec.kind]
        return by_kind if by_kind is not None else self.stattest

    def method_source(self, spec: ColumnSpec) -> str:
        """The configuration key that sets a column's stat test (for error messages)."""
        if spec.name in self.per_column_stattest:
            return f"per_column_stattest[{spec.name!r}]"
        key = f"{_KIND_KEYS[spec.kind]}_stattest"
        return key if getattr(self, key) is not None else "stattest"

    def threshold(self, column: str, kind: str | None = None) -> float | None:
        """Evidently's threshold precedence: per column, then by kind, then for all columns (None: the test's)."""
        if column in self.per_column_threshold:
            return float(self.per_column_threshold[column])
        if kind is not None:
            by_kind = getattr(self, f"{_KIND_KEYS[kind]}_stattest_threshold")
            if by_kind is not None:
                return float(by_kind)
        return None if self.stattest_threshold is None else float(self.stattest_threshold)

    def check_columns(self, kinds: Mapping[str, str]) -> None:
        """Refuse, before any computation, a configuration that cannot apply to these columns (name -> checked kind):
        a stat test for a kind it does not apply to, or a per-column setting naming no checked column. Raises
        ``DriftError`` with one line naming the column and the reason."""
        for key in ("per_column_stattest", "per_column_threshold"):
            for column in getattr(self, key):
                if column not in kinds:
                    raise DriftError(
                        f"{key} names column {column!r}, which is not a checked column of the data "
                        f"(checked: {', '.join(repr(c) for c in list(kinds)[:20]) or 'none'})."
                    )
        for column, kind in kinds.items():
            spec = ColumnSpec(column, kind)
            name = self.method_name(spec)
            if name is None:
                continue
            info = STAT_TESTS.get(name)
            if info is None:
                raise DriftError(f"Column {column!r}: unknown stat test {name!r} ({self.method_source(spec)}).")
            if kind not in info.kinds:
                applies = " and ".join(sorted(info.kinds))
                raise DriftError(
                    f"Column {column!r} is {kind}: stat test {name!r} ({self.method_source(spec)}) applies to "
                    f"{applies} columns only; choose a stat test for {kind} columns for it."
                )

    def to_dict(self) -> dict[str, Any]:
        def number(value: float | None) -> float | None:
            return None if value is None else float(value)

        return {
            "drift_share": float(self.drift_share),
            "stattest": self.stattest,
            "num_stattest": self.num_stattest,
            "cat_stattest": self.cat_stattest,
            "text_stattest": self.text_stattest,
            "per_column_stattest": dict(self.per_column_stattest),
            "stattest_threshold": number(self.stattest_threshold),
            "num_stattest_threshold": number(self.num_stattest_threshold),
            "cat_stattest_threshold": number(self.cat_stattest_threshold),
            "text_stattest_threshold": number(self.text_stattest_threshold),
            "per_column_threshold": {k: float(v) for k, v in self.per_column_threshold.items()},
            "column_types": dict(self.column_types),
            "typing_from": self.typing_from,
            "timestamp": self.timestamp,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DriftConfig:
        """Build a config from JSON-like data; raises ``ValueError`` with a clear message on unknown keys, unknown stat
        tests or bad values."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError("The drift configuration must be a JSON object.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(k) for k in data if k not in known)
        if unknown:
            raise ValueError(
                f"Unknown drift configuration key(s): {', '.join(unknown)}. Known keys: {', '.join(sorted(known))}."
            )
        kwargs: dict[str, Any] = {}
        for key in known & set(data):
            value = data[key]
            if key in ("per_column_stattest", "per_column_threshold", "column_types"):
                value = {} if value is None else value
                if not isinstance(value, Mapping):
                    raise ValueError(f"{key} must be an object mapping column names to values.")
                value = dict(value)
            if key in ("drift_share", "typing_from") and value is None:
                continue
            kwargs[key] = value
        return cls(**kwargs)


def _check_stattest(value: Any, where: str, kind: str | None) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{where} must be the name of an Evidently stat test, not {value!r}.")
    info = STAT_TESTS.get(value)
    if info is None:
        raise ValueError(f"{where}: unknown stat test {value!r}. Available: {', '.join(sorted(STAT_TESTS))}.")
    if kind is not None and kind not in info.kinds:
        raise ValueError(f"{where}: stat test {value!r} does not apply to {kind} columns.")


def _check_threshold(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{where} must be a finite number >= 0, not {value!r}.")


# ---------------------------------------------------------------------------------------------------- results
@dataclass
class ColumnDrift:
    column: str
    kind: str
    method: str
    threshold: float
    score: float
    detected: bool


@dataclass
class DriftResult:
    columns: list[ColumnDrift]
    drifted_count: int
    share: float
    drift_share: float
    dataset_drift: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "columns": [asdict(column) for column in self.columns],
            "drifted_count": self.drifted_count,
            "share": self.share,
            "drift_share": self.drift_share,
            "dataset_drift": self.dataset_drift,
        }

    @classmethod
    def from_columns(cls, columns: list[ColumnDrift], drift_share: float) -> DriftResult:
        drifted = sum(1 for column in columns if column.detected)
        share = drifted / len(columns) if columns else 0.0
        return cls(columns, drifted, share, float(drift_share), bool(columns) and share >= drift_share)


# ---------------------------------------------------------------------------------------------------- samples
class _NumericSample:
    """The current values of a numeric column: finite, float64, sorted once and reused by every test."""

    def __init__(self, series: pd.Series, name: str) -> None:
        try:
            values, _, _, self.is_integer = finite_values(series, name, where="current")
            self.dtype = source_dtype(series)
        except ProfileError as exc:
            raise DriftError(str(exc)) from exc
        if values.size == 0:
            raise DriftError(
                f"Column {name!r} has no usable value in the current data (all missing or infinite): "
                "drift cannot be computed for it."
            )
        self.values = np.sort(values)  # a copy: never sort the caller's frame in place

    @property
    def size(self) -> int:
        return int(self.values.size)


def _sorted_counts(values: np.ndarray) -> dict[float, int]:
    """Value counts of a sorted array (as pandas' value_counts: -0.0 and 0.0 are one value)."""
    if values.size == 0:
        return {}
    starts = np.concatenate(([0], np.flatnonzero(np.diff(values)) + 1))
    counts = np.diff(np.concatenate((starts, [values.size])))
    return dict(zip(values[starts].tolist(), counts.tolist(), strict=True))


def _union_keys(ref: Mapping[Any, Any], cur: Mapping[Any, Any]) -> list[Any]:
    return list(ref) + [key for key in cur if key not in ref]


def _category_sort_key(key: Any) -> tuple[Any, ...]:
    if isinstance(key, str):
        try:
            return (0, float(key), key)
        except ValueError:
            return (1, 0.0, key)
    return (0, float(key), "")


# ---------------------------------------------------------------------------------------------------- stat tests
def _wasserstein_norm(ref: NumericStats, cur: _NumericSample) -> float:
    """Evidently's normed Wasserstein: scipy.stats.wasserstein_distance / max(std(reference), 0.001), from the sorted
    samples in O(n + m), with no search and no re-sort: W1 is the integral of |F^-1(t) - G^-1(t)| over t in [0, 1]."""
    return _wasserstein_sorted(ref.values, cur.values) / max(ref.std, 0.001)


def _wasserstein_sorted(u: np.ndarray, v: np.ndarray) -> float:
    """W1 between the empirical distributions of two sorted samples (same value as scipy's, to ~1e-15).

    The quantile functions are steps at t = i/n and t = j/m. In integer units of 1/(n*m) the breakpoints are
    a_i = i*m and b_j = j*n; their merged order is known arithmetically (a_i has ceil(i*m/n) b's before it), so the
    merge needs no search. On each merged interval the quantile indices are floor(t*n) and floor(t*m)."""
    n, m = u.size, v.size
    if n == m:
        return float(np.abs(u - v).sum() / n)
    i = np.arange(n + 1, dtype=np.int64)
    j = np.arange(m + 1, dtype=np.int64)
    a = i * m
    b = j * n
    t = np.empty(n + m + 2, dtype=np.int64)
    t[i + (a + n - 1) // n] = a  # ties: a_i goes before an equal b_j (zero-length interval, no contribution)
    t[j + b // m + 1] = b
    head = t[:-1]
    iu = np.minimum(head // m, n - 1)
    iv = np.minimum(head // n, m - 1)
    lengths = np.diff(t) / (float(n) * float(m))
    return float(np.dot(lengths, np.abs(u[iu] - v[iv])))


def _ks(ref: NumericStats, cur: _NumericSample) -> float:
    from scipy import stats as sp_stats  # lazily: scipy.stats costs ~1 s at import

    return float(sp_stats.ks_2samp(ref.values, cur.values)[1])


def _counts_for(
    ref: NumericStats | CategoricalStats, cur: _NumericSample | dict[str, int]
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    if isinstance(ref, NumericStats):
        assert isinstance(cur, _NumericSample)
        return _sorted_counts(ref.values), _sorted_counts(cur.values)
    assert isinstance(cur, dict)
    return ref.counts, cur


def _chisquare(ref_counts: dict[Any, Any], cur_counts: dict[Any, Any]) -> float:
    from scipy import stats as sp_stats  # lazily: scipy.stats costs ~1 s at import

    keys = _union_keys(ref_counts, cur_counts)
    n_ref, n_cur = sum(ref_counts.values()), sum(cur_counts.values())
    k_norm = n_cur / n_ref
    f_exp = [ref_counts.get(key, 0) * k_norm for key in keys]
    f_obs = [cur_counts.get(key, 0) for key in keys]
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(sp_stats.chisquare(f_obs, f_exp)[1])


def _z_test(ref_counts: dict[Any, Any], cur_counts: dict[Any, Any]) -> float:
    from scipy import stats as sp_stats  # lazily: scipy.stats costs ~1 s at import

    if len(ref_counts) == 1 and len(cur_counts) == 1 and next(iter(ref_counts)) == next(iter(cur_counts)):
        return 1.0
    keys = _union_keys(ref_counts, cur_counts)
    first = min(keys) if not isinstance(keys[0], str) else min(keys, key=_category_sort_key)
    n1, n2 = sum(ref_counts.values()), sum(cur_counts.values())
    p1 = float(n1 - ref_counts.get(first, 0)) / n1
    p2 = float(n2 - cur_counts.get(first, 0)) / n2
    pooled = float(p1 * n1 + p2 * n2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_stat = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
        return float(2 * (1 - sp_stats.norm.cdf(np.abs(z_stat))))


def _histogram_counts(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """np.histogram(values, edges)[0] for sorted values (numpy's own _search_sorted_inclusive)."""
    cum = np.concatenate(
        (sorted_values.searchsorted(edges[:-1], "left"), sorted_values.searchsorted(edges[-1:], "right"))
    )
    return np.diff(cum)


def _binned(
    ref: NumericStats | CategoricalStats, cur: _NumericSample | dict[str, int], feel_zeroes: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Evidently's stattests.utils.get_binned_data."""
    if isinstance(ref, NumericStats) and ref.n_unique > 20:
        assert isinstance(cur, _NumericSample)
        # np.histogram_bin_edges(concat(reference, current), bins="sturges") depends only on the size, the range
        # and the dtype of the combined data: ask numpy itself, on an array with the same three.
        dtype = np.result_type(np.dtype(ref.dtype), cur.dtype)
        dtype = np.dtype(np.float64) if dtype.kind == "b" else dtype
        proxy = np.empty(ref.values.size + cur.size, dtype=dtype)
        proxy.fill(ref.values[0])
        proxy[0] = min(ref.values[0], cur.values[0])
        proxy[-1] = max(ref.values[-1], cur.values[-1])
        edges = np.histogram_bin_edges(proxy, bins="sturges")
        del proxy
        ref_pct = _histogram_counts(ref.values, edges) / ref.values.size
        cur_pct = _histogram_counts(cur.values, edges) / cur.size
    else:
        ref_counts, cur_counts = _counts_for(ref, cur)
        keys = _union_keys(ref_counts, cur_counts)
        n_ref, n_cur = sum(ref_counts.values()), sum(cur_counts.values())
        ref_pct = np.array([ref_counts.get(key, 0) / n_ref for key in keys])
        cur_pct = np.array([cur_counts.get(key, 0) / n_cur for key in keys])
    if feel_zeroes:
        for pct in (ref_pct, cur_pct):
            smallest = min(pct[pct != 0])
            np.place(pct, pct == 0, smallest / 10**6 if smallest <= 0.0001 else 0.0001)
    return ref_pct, cur_pct


def _jensenshannon(ref: NumericStats | CategoricalStats, cur: _NumericSample | dict[str, int]) -> float:
    from scipy.spatial import distance as sp_distance

    ref_pct, cur_pct = _binned(ref, cur, False)
    return float(sp_distance.jensenshannon(ref_pct, cur_pct, None))


def _psi(ref: NumericStats | CategoricalStats, cur: _NumericSample | dict[str, int]) -> float:
    ref_pct, cur_pct = _binned(ref, cur, True)
    return float(np.sum((ref_pct - cur_pct) * np.log(ref_pct / cur_pct)))


def _kl_div(ref: NumericStats | CategoricalStats, cur: _NumericSample | dict[str, int]) -> float:
    from scipy import stats as sp_stats  # lazily: scipy.stats costs ~1 s at import

    ref_pct, cur_pct = _binned(ref, cur, True)
    return float(sp_stats.entropy(ref_pct, cur_pct))


class _Seeded:
    """numpy's global generator seeded for the duration of a block (Evidently's permutation tests draw from it), then
    restored: a seeded test gives the same score every run and leaves other users of the generator undisturbed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __enter__(self) -> None:
        self.state = np.random.get_state()
        np.random.seed(self.seed)

    def __exit__(self, *exc: object) -> None:
        np.random.set_state(self.state)


def _evidently_fallback(
    name: str,
    column: str,
    kind: str,
    ref: NumericStats | CategoricalStats,
    cur: _NumericSample | dict[str, int],
    threshold: float,
    seed: int,
) -> tuple[float, bool]:
    """Run Evidently's own implementation of a stat test we do not reimplement, on series rebuilt from the profile."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from evidently.legacy.calculations.stattests import get_stattest
    from evidently.legacy.core import ColumnType

    column_type = ColumnType.Numerical if kind == NUMERICAL else ColumnType.Categorical
    if isinstance(ref, NumericStats):
        assert isinstance(cur, _NumericSample)
        ref_series = pd.Series(ref.values)
        cur_series = pd.Series(cur.values)
    else:
        assert isinstance(cur, dict)
        ref_series = pd.Series(np.repeat(np.array(list(ref.counts), dtype=object), list(ref.counts.values())))
        cur_series = pd.Series(np.repeat(np.array(list(cur), dtype=object), list(cur.values())))
    test = get_stattest(ref_series, cur_series, column_type, name)
    try:
        with _Seeded(seed):
            result = test(ref_series, cur_series, column_type, threshold)
    except (ValueError, ArithmeticError, TypeError, IndexError) as exc:
        raise DriftError(f"Evidently's stat test {name!r} failed on column {column!r}: {exc}") from exc
    return float(result.drift_score), bool(result.drifted)


# ---------------------------------------------------------------------------------------------------- text
def _text_values(series: pd.Series) -> pd.Series:
    """Evidently's cleaning before a text test: +-inf -> NaN, NaN dropped (the order is kept: it matters)."""
    if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
        return series.dropna()
    return series.replace([-np.inf, np.inf], np.nan).dropna()


def _random_auc_percentile(y_test: np.ndarray, p_value: float, iter_num: int = 1000, seed: int = 42) -> float:
    """Evidently's roc_auc_random_classifier_percentile (1000 ROC AUCs of seeded random scores, their percentile),
    with the AUC from ranks (the Mann-Whitney form roc_auc_score equals) instead of 1000 sklearn calls, and private
    generators instead of reseeding numpy's global one."""
    from scipy.stats import rankdata

    positives = y_test == 1
    n_pos = int(positives.sum())
    n_neg = y_test.size - n_pos
    if not n_pos or not n_neg:
        raise ValueError("only one of the two data sets is in the test split")
    seeds = np.random.RandomState(seed).randint(0, iter_num * 10, size=iter_num)
    aucs = np.empty(iter_num)
    for index, each in enumerate(seeds):
        ranks = rankdata(np.random.RandomState(each).rand(y_test.size))
        aucs[index] = (ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return float(np.percentile(aucs, 100 * (1 - p_value)))


def _text_drift(
    info: StatTestInfo, column: str, reference: pd.Series, current: pd.Series, threshold: float
) -> tuple[float, bool]:
    """Evidently's text content drift: a domain classifier (TF-IDF + SGD, scikit-learn, Evidently's parameters and
    seeds) learns to tell reference texts from current ones; its ROC AUC on a held-out half is the score. The absolute
    variant drifts when AUC > threshold; the percentile one when AUC beats the (1 - threshold) percentile of random
    classifiers' AUCs on the same split. Returns the AUC; raises ``DriftError`` when the texts cannot be learnt."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import Pipeline

    domain = pd.concat([pd.DataFrame({"text": reference, "target": 0}), pd.DataFrame({"text": current, "target": 1})])
    try:
        x_train, x_test, y_train, y_test = train_test_split(
            domain["text"], domain["target"], test_size=0.5, random_state=42, shuffle=True
        )
        pipeline = Pipeline(
            [
                ("vectorization", TfidfVectorizer(sublinear_tf=True, max_df=0.5, stop_words="english")),
                (
                    "classification",
                    SGDClassifier(alpha=0.0001, max_iter=50, penalty="l1", loss="modified_huber", random_state=42),
                ),
            ]
        )
        pipeline.fit(x_train, y_train)
        auc = float(roc_auc_score(y_test, pipeline.predict_proba(x_test)[:, 1]))
        if info.rule == AUC_PERCENTILE:
            return auc, auc > _random_auc_percentile(np.asarray(y_test), p_value=1 - threshold)
    except ValueError as exc:
        raise DriftError(f"Column {column!r}: text drift cannot be computed: {str(exc).strip()[:200]}") from None
    return auc, info.detected(auc, threshold)


_FAST: dict[str, Callable[..., float]] = {
    "ks": _ks,
    "wasserstein": _wasserstein_norm,
    "jensenshannon": _jensenshannon,
    "psi": _psi,
    "kl_div": _kl_div,
}


def _default_test(kind: str, ref: NumericStats | CategoricalStats, cur: _NumericSample | dict[str, int]) -> str:
    """Evidently's _get_default_stattest."""
    if isinstance(ref, NumericStats):
        assert isinstance(cur, _NumericSample)
        n_ref = ref.values.size
        if ref.n_unique > 5:
            n_values = ref.n_unique  # already > 5: the union is larger
        else:
            n_values = len(_union_keys(_sorted_counts(ref.values), _sorted_counts(cur.values)))
        if n_ref <= SMALL_DATA_ROWS:
            if n_values <= 5:
                return "chisquare" if n_values > 2 else "z"
            return "ks"
        return "jensenshannon" if n_values <= 5 else "wasserstein"
    assert isinstance(cur, dict)
    n_values = len(_union_keys(ref.counts, cur))
    if ref.n_values <= SMALL_DATA_ROWS:
        return "chisquare" if n_values > 2 else "z"
    return "jensenshannon"


def _test_for(spec: ColumnSpec, config: DriftConfig) -> StatTestInfo | None:
    configured = config.method_name(spec)
    if configured is None:
        return None
    found = STAT_TESTS.get(configured)
    if found is None:
        raise DriftError(f"Column {spec.name!r}: unknown stat test {configured!r} ({config.method_source(spec)}).")
    if spec.kind not in found.kinds:
        raise DriftError(
            f"Column {spec.name!r} is {spec.kind}: stat test {configured!r} ({config.method_source(spec)}) does not "
            f"apply to {spec.kind} columns."
        )
    return found


def column_drift(
    spec: ColumnSpec,
    profile: ReferenceProfile,
    series: pd.Series,
    config: DriftConfig,
    reference_text: Callable[[str], pd.Series] | None = None,
) -> ColumnDrift:
    """The drift of one column (of kind ``spec.kind``, which may differ from the profile's): Evidently's method
    choice, threshold and verdict, computed from the profile."""
    info = _test_for(spec, config)
    if spec.kind == TEXT:
        if reference_text is None:
            raise DriftError(f"Column {spec.name!r} is text: its drift needs the reference texts, not only a profile.")
        ref_texts, cur_texts = _text_values(reference_text(spec.name)), _text_values(series)
        for label, values in (("reference", ref_texts), ("current", cur_texts)):
            if values.empty:
                raise DriftError(
                    f"Column {spec.name!r} has no usable value in the {label} data (all missing): "
                    "drift cannot be computed for it."
                )
        if info is None:
            default = "abs_text_content_drift" if ref_texts.shape[0] > SMALL_DATA_ROWS else "perc_text_content_drift"
            info = STAT_TESTS[default]
        threshold = config.threshold(spec.name, spec.kind)
        threshold = info.default_threshold if threshold is None else threshold
        score, detected = _text_drift(info, spec.name, ref_texts, cur_texts, threshold)
        return ColumnDrift(spec.name, spec.kind, info.display_name, float(threshold), float(score), bool(detected))
    ref: NumericStats | CategoricalStats
    cur: _NumericSample | dict[str, int]
    if spec.kind == NUMERICAL:
        if not profile.holds_numbers(spec.name):
            raise DriftError(
                f"Column {spec.name!r} cannot be numerical: the reference holds text in it "
                "(type it categorical or text)."
            )
        ref = profile.numeric_stats(spec.name)
        cur = _NumericSample(series, spec.name)
    else:
        ref = profile.categorical_stats(spec.name)
        cur, _ = category_counts(series)
        if not cur:
            raise DriftError(
                f"Column {spec.name!r} has no usable value in the current data (all missing): "
                "drift cannot be computed for it."
            )
    if info is None:
        info = STAT_TESTS[_default_test(spec.kind, ref, cur)]
    threshold = config.threshold(spec.name, spec.kind)
    threshold = info.default_threshold if threshold is None else threshold
    if info.name in _FAST:
        score = _FAST[info.name](ref, cur)
        detected = info.detected(score, threshold)
    elif info.name in ("chisquare", "z"):
        ref_counts, cur_counts = _counts_for(ref, cur)
        score = _chisquare(ref_counts, cur_counts) if info.name == "chisquare" else _z_test(ref_counts, cur_counts)
        detected = info.detected(score, threshold)
    else:
        score, detected = _evidently_fallback(
            info.name, spec.name, spec.kind, ref, cur, threshold, config.effective_seed
        )
    return ColumnDrift(spec.name, spec.kind, info.display_name, float(threshold), float(score), bool(detected))


def compute_drift(
    profile: ReferenceProfile,
    current: pd.DataFrame,
    config: DriftConfig | None = None,
    *,
    kinds: Mapping[str, str] | None = None,
    reference_text: Callable[[str], pd.Series] | None = None,
    progress: Callable[[int], None] | None = None,
) -> DriftResult:
    """Drift of ``current`` against the reference ``profile``: per column Evidently's method, threshold, score and
    verdict, and the dataset verdict (share of drifted columns >= ``config.drift_share``).

    ``kinds`` (column -> kind, e.g. from ``coltypes``) says which columns to check and as what; by default the
    profile's columns and kinds. Text columns need ``reference_text`` (column name -> the reference's values in their
    original order). The configuration is checked against the kinds before anything is computed. Raises
    ``DriftError`` (a ValueError) with a clear message when a column is missing, empty or of the wrong type."""
    config = config or DriftConfig()
    if kinds is None:
        kinds = {spec.name: spec.kind for spec in profile.columns}
    kinds = {name: kind for name, kind in kinds.items() if kind in KINDS}
    not_profiled = [name for name in kinds if name not in {spec.name for spec in profile.columns}]
    if not_profiled:
        raise DriftError(f"The reference profile lacks the column(s): {', '.join(not_profiled)}.")
    missing = [name for name in kinds if name not in current.columns]
    if missing:
        raise DriftError(f"The current data lacks the reference column(s): {', '.join(missing)}.")
    if current.columns.duplicated().any():
        dup = sorted({str(c) for c in current.columns[current.columns.duplicated()]})
        raise DriftError(f"The current data has duplicate column names: {', '.join(dup)}.")
    if not kinds:
        raise DriftError("No column to check: every column is a role, a timestamp or of a kind that is not checked.")
    config.check_columns(kinds)
    results: list[ColumnDrift] = []
    total = len(kinds)
    for index, (name, kind) in enumerate(kinds.items()):
        spec = ColumnSpec(name, kind)
        results.append(column_drift(spec, profile, current[name], config, reference_text))
        if progress is not None:
            progress(int((index + 1) * 100 / total))
    return DriftResult.from_columns(results, config.drift_share)


# ---------------------------------------------------------------------------------------------------- Evidently
def evidently_preset_kwargs(config: DriftConfig | None) -> dict[str, Any]:
    """The ``DataDriftPreset`` arguments equivalent to ``config``."""
    config = config or DriftConfig()
    return {
        "drift_share": float(config.drift_share),
        "method": config.stattest,
        "num_method": config.num_stattest,
        "cat_method": config.cat_stattest,
        "text_method": config.text_stattest,
        "per_column_method": dict(config.per_column_stattest) or None,
        "threshold": config.stattest_threshold,
        "num_threshold": config.num_stattest_threshold,
        "cat_threshold": config.cat_stattest_threshold,
        "text_threshold": config.text_stattest_threshold,
        "per_column_threshold": dict(config.per_column_threshold) or None,
    }


def _run_evidently(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[ColumnSpec] | None, config: DriftConfig | None
) -> tuple[Any, dict[str, str]]:
    """A ``DataDriftPreset`` run; with ``columns`` None, a plain one (Evidently types the columns itself, from the
    current data). Returns the snapshot and the kind Evidently gave each column."""
    os.environ.setdefault("DO_NOT_TRACK", "1")
    from evidently import DataDefinition, Dataset, Report
    from evidently.legacy.core import ColumnType
    from evidently.presets import DataDriftPreset

    report = Report([DataDriftPreset(**evidently_preset_kwargs(config))], include_tests=True)
    if columns is None:
        current_set, reference_set = Dataset.from_pandas(current), Dataset.from_pandas(reference)
        names = list(current.columns)
    else:
        definition = DataDefinition(
            numerical_columns=[spec.name for spec in columns if spec.kind == NUMERICAL],
            categorical_columns=[spec.name for spec in columns if spec.kind == CATEGORICAL],
            text_columns=[spec.name for spec in columns if spec.kind == TEXT],
        )
        names = [spec.name for spec in columns]
        current_set = Dataset.from_pandas(current[names], data_definition=definition)
        reference_set = Dataset.from_pandas(reference[names], data_definition=definition)
    by_type = {ColumnType.Numerical: NUMERICAL, ColumnType.Categorical: CATEGORICAL, ColumnType.Text: TEXT}
    kinds = {}
    for name in names:
        column_type = current_set._data_definition.get_column_type(name)
        kinds[name] = by_type.get(column_type, str(getattr(column_type, "value", column_type)))
    return report.run(current_set, reference_set), kinds


def evidently_html_report(
    reference: pd.DataFrame, current: pd.DataFrame, columns: list[ColumnSpec], config: DriftConfig | None = None
) -> str:
    """Evidently's own HTML report (``DataDriftPreset``), for the browser. JavaScript-driven: not for PDFs."""
    return str(_run_evidently(reference, current, columns, config)[0].get_html_str(as_iframe=False))


def evidently_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: list[ColumnSpec] | None = None,
    config: DriftConfig | None = None,
) -> DriftResult:
    """A plain Evidently ``DataDriftPreset`` run, read into a ``DriftResult`` (the yardstick for ``compute_drift``).
    With ``columns`` None Evidently types the columns itself (its defaults); columns it does not check are absent."""
    snapshot, kinds = _run_evidently(reference, current, columns, config)
    data = snapshot.dict()
    detected: dict[str, bool] = {}
    for test in data["tests"]:
        params = test["metric_config"]["params"]
        if params.get("type") == "evidently:metric_v2:ValueDrift":
            detected[params["column"]] = test["status"] == "FAIL"
    by_display = {info.display_name: info for info in STAT_TESTS.values()}
    out: list[ColumnDrift] = []
    count = share = None
    for metric in data["metrics"]:
        cfg = metric["config"]
        if cfg["type"] == "evidently:metric_v2:DriftedColumnsCount":
            count, share = metric["value"]["count"], metric["value"]["share"]
        elif cfg["type"] == "evidently:metric_v2:ValueDrift":
            method = cfg["method"]
            # A configured method is reported by its registered name, a default one by its display name.
            info = STAT_TESTS.get(method) or by_display[method]
            out.append(
                ColumnDrift(
                    column=cfg["column"],
                    kind=kinds[cfg["column"]],
                    method=info.display_name,
                    threshold=float(cfg["threshold"]),
                    score=float(metric["value"]),
                    detected=detected[cfg["column"]],
                )
            )
    order = {name: index for index, name in enumerate(kinds)}
    out.sort(key=lambda column: order[column.column])
    result = DriftResult.from_columns(out, (config or DriftConfig()).drift_share)
    if count is not None and share is not None:
        result.drifted_count, result.share = int(count), float(share)
        result.dataset_drift = result.share >= result.drift_share
    return result
