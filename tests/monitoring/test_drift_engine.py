"""The drift engine gives Evidently's DataDriftPreset verdicts and scores (within 1e-9), small and large data.

Each case runs a plain ``Report([DataDriftPreset()], include_tests=True)`` of the new Evidently API on the same frames
and compares per column method, threshold, score and detected, then the drifted count, share and dataset verdict.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from monitoring.domain import (
    CATEGORICAL,
    NUMERICAL,
    TEXT,
    ColumnSpec,
    DriftConfig,
    DriftError,
    ProfileError,
    ReferenceProfile,
    compute_drift,
)
from monitoring.domain.drift import ORDER_DEPENDENT_TESTS, STAT_TESTS, evidently_drift

os.environ.setdefault("DO_NOT_TRACK", "1")

TOL = 1e-9


def _assert_same(reference: pd.DataFrame, current: pd.DataFrame, columns: list[ColumnSpec], config=None):
    profile = ReferenceProfile.from_bytes(ReferenceProfile.from_frame(reference, columns).to_bytes())
    ours = compute_drift(profile, current, config)
    theirs = evidently_drift(reference, current, columns, config)
    assert [c.column for c in ours.columns] == [c.column for c in theirs.columns]
    for mine, ev in zip(ours.columns, theirs.columns, strict=True):
        assert mine.method == ev.method, mine.column
        assert mine.threshold == pytest.approx(ev.threshold, abs=0), mine.column
        assert mine.detected == ev.detected, (mine, ev)
        if np.isnan(ev.score):
            assert np.isnan(mine.score), mine.column
        else:
            assert abs(mine.score - ev.score) <= TOL, (mine, ev)
    assert ours.drifted_count == theirs.drifted_count
    assert ours.share == pytest.approx(theirs.share, abs=1e-12)
    assert ours.dataset_drift == theirs.dataset_drift
    return ours, theirs


def _mixed_frames(n_ref: int, n_cur: int, seed: int, shift: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)

    def frame(n: int, s: float) -> pd.DataFrame:
        cats = np.array(["red", "green", "blue", "amber"])
        p = np.array([0.4, 0.3, 0.2, 0.1]) if not s else np.array([0.25, 0.25, 0.25, 0.25])
        return pd.DataFrame(
            {
                "normal": rng.normal(s, 1, n),
                "lognormal": rng.lognormal(0, 1 + s, n),
                "ints": rng.integers(0, 50, n),
                "uniform": rng.uniform(0, 1, n) + s / 10,
                "colour": rng.choice(cats, n, p=p),
                "flag": rng.choice(["yes", "no"], n),
            }
        )

    return frame(n_ref, 0.0), frame(n_cur, shift)


MIXED = [
    ColumnSpec("normal", NUMERICAL),
    ColumnSpec("lognormal", NUMERICAL),
    ColumnSpec("ints", NUMERICAL),
    ColumnSpec("uniform", NUMERICAL),
    ColumnSpec("colour", CATEGORICAL),
    ColumnSpec("flag", CATEGORICAL),
]


@pytest.mark.parametrize(("n_ref", "n_cur", "shift"), [(600, 800, 0.0), (1000, 500, 0.4), (800, 2000, 0.3)])
def test_small_data_defaults_match_evidently(n_ref, n_cur, shift):
    reference, current = _mixed_frames(n_ref, n_cur, seed=n_ref + n_cur, shift=shift)
    ours, _ = _assert_same(reference, current, MIXED)
    methods = {c.column: c.method for c in ours.columns}
    assert methods["normal"] == "K-S p_value"
    assert methods["colour"] == "chi-square p_value"
    assert methods["flag"] == "Z-test p_value"
    if shift:
        assert {c.column for c in ours.columns if c.detected} >= {"normal", "colour"}


@pytest.mark.parametrize(("n_ref", "n_cur", "shift"), [(20_000, 20_000, 0.25), (1001, 3000, 0.0), (5000, 1200, 0.1)])
def test_large_data_defaults_match_evidently(n_ref, n_cur, shift):
    reference, current = _mixed_frames(n_ref, n_cur, seed=7 + n_ref, shift=shift)
    ours, _ = _assert_same(reference, current, MIXED)
    methods = {c.column: c.method for c in ours.columns}
    assert methods["normal"] == "Wasserstein distance (normed)"
    assert methods["colour"] == "Jensen-Shannon distance"
    assert methods["flag"] == "Jensen-Shannon distance"
    if shift >= 0.25:
        assert ours.dataset_drift


def test_low_cardinality_numerics_match_evidently():
    rng = np.random.default_rng(3)
    specs = [ColumnSpec(name, NUMERICAL) for name in ("binary", "three", "five", "six")]

    def frame(n, p):
        return pd.DataFrame(
            {
                "binary": rng.choice([0.0, 1.0], n, p=[p, 1 - p]),
                "three": rng.choice([1, 2, 3], n),
                "five": rng.choice([0.5, 1.5, 2.5, 3.5, 4.5], n).astype(float),
                "six": rng.choice(np.arange(6), n),
            }
        )

    for n_ref, n_cur in ((300, 400), (3000, 2500)):  # small: Z / chi-square / K-S; large: Jensen-Shannon
        reference, current = frame(n_ref, 0.5), frame(n_cur, 0.35)
        ours, _ = _assert_same(reference, current, specs)
    small = compute_drift(ReferenceProfile.from_frame(frame(300, 0.5), specs), frame(400, 0.5))
    assert [c.method for c in small.columns] == [
        "Z-test p_value",
        "chi-square p_value",
        "chi-square p_value",
        "K-S p_value",
    ]
    assert {c.method for c in ours.columns[:3]} == {"Jensen-Shannon distance"}


def test_nan_inf_constant_and_unseen_categories_match_evidently():
    rng = np.random.default_rng(11)
    n = 3000

    def frame(shift, cats):
        values = rng.normal(shift, 1, n)
        values[rng.random(n) < 0.2] = np.nan
        values[:3] = np.inf
        colour = rng.choice(cats, n).astype(object)
        colour[rng.random(n) < 0.1] = None
        return pd.DataFrame({"with_nan": values, "constant": np.full(n, 4.2), "colour": colour})

    specs = [ColumnSpec("with_nan", NUMERICAL), ColumnSpec("constant", NUMERICAL), ColumnSpec("colour", CATEGORICAL)]
    reference, current = frame(0, ["a", "b", "c"]), frame(0.3, ["a", "b", "c", "unseen", "new"])
    ours, _ = _assert_same(reference, current, specs)
    by = {c.column: c for c in ours.columns}
    assert by["constant"].method == "Jensen-Shannon distance" and not by["constant"].detected
    assert by["colour"].detected  # two unseen categories
    # small data, same shapes (K-S on NaN-dropped values, chi-square with unseen categories -> p = 0)
    ours_small, _ = _assert_same(reference.iloc[:700], current.iloc[:700], specs)
    assert {c.column: c.method for c in ours_small.columns}["colour"] == "chi-square p_value"


@pytest.mark.parametrize(
    "config",
    [
        DriftConfig(stattest="psi"),
        DriftConfig(num_stattest="ks", cat_stattest="chisquare", stattest_threshold=0.01, drift_share=0.3),
        DriftConfig(
            stattest="jensenshannon",
            per_column_stattest={"normal": "wasserstein", "ints": "kl_div"},
            per_column_threshold={"normal": 0.05, "colour": 0.2},
        ),
        DriftConfig(num_stattest="t_test", cat_stattest="hellinger"),  # Evidently's own implementations (fallback)
        DriftConfig(num_stattest="mannw", per_column_stattest={"normal": "anderson", "uniform": "ed"}),
        DriftConfig(num_stattest="cramer_von_mises", per_column_stattest={"normal": "es"}),
        DriftConfig(num_stattest="hellinger", cat_stattest="hellinger"),
    ],
)
def test_configured_methods_and_thresholds_match_evidently(config):
    reference, current = _mixed_frames(2500, 2000, seed=5, shift=0.15)
    ours, _ = _assert_same(reference, current, MIXED, config)
    if config.per_column_threshold:
        assert {c.column: c.threshold for c in ours.columns}["normal"] == 0.05


def test_equal_size_only_tests_match_evidently_and_unequal_sizes_fail_clearly():
    reference, current = _mixed_frames(1500, 1500, seed=8, shift=0.1)
    config = DriftConfig(cat_stattest="g_test", per_column_stattest={"flag": "fisher_exact"})
    _assert_same(reference, current, MIXED, config)
    with pytest.raises(DriftError, match="'g_test' failed on column 'colour'"):
        compute_drift(ReferenceProfile.from_frame(reference, MIXED), current.iloc[:1000], config)


def test_psi_kl_js_on_binned_integers_and_floats_match_evidently():
    rng = np.random.default_rng(2)
    reference = pd.DataFrame({"ints": rng.integers(0, 22, 1500), "floats": rng.gamma(2, 2, 1500)})
    current = pd.DataFrame({"ints": rng.integers(3, 25, 1800), "floats": rng.gamma(2.3, 2, 1800)})
    specs = [ColumnSpec("ints", NUMERICAL), ColumnSpec("floats", NUMERICAL)]
    for method in ("psi", "kl_div", "jensenshannon"):
        _assert_same(reference, current, specs, DriftConfig(stattest=method))


def test_stat_test_catalogue_matches_evidently_registry():
    from evidently.legacy.calculations.stattests import registry
    from evidently.legacy.core import ColumnType

    kinds = {ColumnType.Numerical: NUMERICAL, ColumnType.Categorical: CATEGORICAL, ColumnType.Text: TEXT}
    for name, by_type in registry._registered_stat_tests.items():
        relevant = {kinds[t] for t in by_type if t in kinds}
        if not relevant:
            assert name not in STAT_TESTS
            continue
        stat_test = next(iter(by_type.values()))
        info = STAT_TESTS[name]
        assert info.display_name == stat_test.display_name
        assert info.default_threshold == stat_test.default_threshold
        assert set(info.kinds) == relevant


def test_config_round_trip_and_validation():
    config = DriftConfig(drift_share=0.3, num_stattest="ks", per_column_threshold={"a": 0.2})
    assert DriftConfig.from_dict(config.to_dict()) == config
    assert DriftConfig.from_dict({}) == DriftConfig()
    with pytest.raises(ValueError, match="Unknown drift configuration key"):
        DriftConfig.from_dict({"stat_test": "ks"})
    with pytest.raises(ValueError, match="unknown stat test 'kolmogorov'"):
        DriftConfig.from_dict({"stattest": "kolmogorov"})
    with pytest.raises(ValueError, match="does not apply to numerical"):
        DriftConfig.from_dict({"num_stattest": "chisquare"})
    with pytest.raises(ValueError, match="drift_share"):
        DriftConfig.from_dict({"drift_share": 1.5})
    with pytest.raises(ValueError, match="per_column_threshold"):
        DriftConfig.from_dict({"per_column_threshold": {"a": "high"}})


def test_bad_data_raises_clear_errors():
    specs = [ColumnSpec("x", NUMERICAL), ColumnSpec("c", CATEGORICAL)]
    good = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]})
    with pytest.raises(ProfileError, match="'x' has no usable value"):
        ReferenceProfile.from_frame(good.assign(x=np.nan), specs)
    with pytest.raises(ProfileError, match="numerical values only"):
        ReferenceProfile.from_frame(good.assign(x=["a", "b", "c"]), specs)
    with pytest.raises(ProfileError, match="'c' is not in the reference"):
        ReferenceProfile.from_frame(good[["x"]], specs)
    profile = ReferenceProfile.from_frame(good, specs)
    with pytest.raises(DriftError, match="lacks the reference column"):
        compute_drift(profile, good[["x"]])
    with pytest.raises(DriftError, match="'c' has no usable value in the current"):
        compute_drift(profile, good.assign(c=None))
    with pytest.raises(DriftError, match="numerical values only"):
        compute_drift(profile, good.assign(x=["1", "2", "z"]))
    with pytest.raises(DriftError, match=r"Column 'c' is categorical: stat test 'ks' \(stattest\) applies to num"):
        compute_drift(profile, good, DriftConfig(stattest="ks"))
    with pytest.raises(ProfileError, match="Not a readable reference profile"):
        ReferenceProfile.from_bytes(b"not a profile")


def test_profile_round_trip_and_accessors_without_pickle():
    frame = pd.DataFrame({"x": [3.0, np.nan, 1.0, 2.0, 2.0], "c": pd.Categorical(["b", "a", None, "b", "b"])})
    specs = [ColumnSpec("x", NUMERICAL), ColumnSpec("c", CATEGORICAL)]
    data = ReferenceProfile.from_frame(frame, specs).to_bytes()
    assert b"pickle" not in data
    profile = ReferenceProfile.from_bytes(data)
    assert profile.n_rows == 5 and profile.columns == specs
    assert profile.numeric_range("x") == (1.0, 3.0)
    assert list(profile.sorted_values("x")) == [1.0, 2.0, 2.0, 3.0]
    assert profile.unique_count("x") == 3
    assert profile.categories("c") == {"b": 3, "a": 1}
    assert profile.missing_share("x") == pytest.approx(0.2)
    assert profile.missing_share("c") == pytest.approx(0.2)


def test_progress_is_reported_and_frames_are_not_modified():
    reference, current = _mixed_frames(1500, 1500, seed=1)
    before = current.copy()
    seen: list[int] = []
    compute_drift(ReferenceProfile.from_frame(reference, MIXED), current, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 100 and len(seen) == len(MIXED)
    pd.testing.assert_frame_equal(current, before)


def test_categorical_dtype_and_integer_categories_count_like_evidently():
    rng = np.random.default_rng(9)
    reference = pd.DataFrame({"code": rng.choice([1, 2, 3], 2000), "label": rng.choice(list("abc"), 2000)})
    current = pd.DataFrame({"code": rng.choice([1.0, 2.0, 3.0, np.nan], 2000), "label": rng.choice(list("abd"), 2000)})
    current["label"] = current["label"].astype("category")
    specs = [ColumnSpec("code", CATEGORICAL), ColumnSpec("label", CATEGORICAL)]
    _assert_same(reference, current, specs)


@pytest.mark.parametrize(("n", "m"), [(1, 1), (1, 5), (5, 3), (6, 4), (1000, 1000), (1001, 3000), (20_000, 7)])
def test_sorted_wasserstein_equals_scipy(n, m):
    from scipy import stats

    from monitoring.domain.drift import _wasserstein_sorted

    rng = np.random.default_rng(n * 31 + m)
    for u, v in (
        (rng.normal(size=n), rng.normal(0.3, 2, size=m)),
        (rng.integers(0, 4, n).astype(float), rng.integers(0, 5, m).astype(float)),  # ties across samples
    ):
        expected = stats.wasserstein_distance(u, v)
        assert abs(_wasserstein_sorted(np.sort(u), np.sort(v)) - expected) <= 1e-12


def test_every_catalogued_test_runs_on_the_profile():
    reference, current = _mixed_frames(400, 400, seed=4, shift=0.5)
    profile = ReferenceProfile.from_frame(reference, MIXED)
    for name, info in STAT_TESTS.items():
        if name in ORDER_DEPENDENT_TESTS:
            continue  # slow permutation tests: below, on small data
        if TEXT in info.kinds:
            continue  # no text column here: the text tests run in test_drift_vs_evidently.py
        config = DriftConfig(
            num_stattest=name if NUMERICAL in info.kinds else None,
            cat_stattest=name if CATEGORICAL in info.kinds else None,
        )
        if name == "fisher_exact":  # binary categories only (Evidently raises otherwise, and so do we)
            config = DriftConfig(per_column_stattest={"flag": name})
            with pytest.raises(DriftError, match="binary"):
                compute_drift(profile, current, DriftConfig(cat_stattest=name))
        result = compute_drift(profile, current, config)
        used = {
            c.method
            for c in result.columns
            if c.kind in info.kinds and config.method_name(ColumnSpec(c.column, c.kind))
        }
        assert used == {info.display_name}, name
        assert all(np.isfinite(c.score) for c in result.columns), name
        if NUMERICAL in info.kinds:  # a 0.5 sd shift at 400 rows: every numeric test sees it
            assert next(c for c in result.columns if c.column == "normal").detected, name


def test_order_dependent_permutation_tests_run_with_evidently_method_and_threshold():
    reference, current = _mixed_frames(60, 60, seed=12, shift=2.0)
    profile = ReferenceProfile.from_frame(reference, MIXED)
    result = compute_drift(profile, current, DriftConfig(num_stattest="empirical_mmd", cat_stattest="TVD"))
    by = {c.column: c for c in result.columns}
    assert (by["normal"].method, by["normal"].threshold) == ("empirical_mmd", 0.1)
    assert (by["colour"].method, by["colour"].threshold) == ("Total-Variation-Distance", 0.1)
    assert by["normal"].detected and 0 <= by["colour"].score <= 1


def test_float32_and_int32_columns_match_evidently():
    # Evidently's std and histogram bins run in the column's own dtype (float32 variances differ at ~1e-9)
    rng = np.random.default_rng(21)
    reference = pd.DataFrame({"f32": rng.normal(5, 3, 4000).astype(np.float32), "i32": rng.integers(0, 40, 4000)})
    current = pd.DataFrame({"f32": rng.normal(5.2, 3, 3000).astype(np.float32), "i32": rng.integers(2, 44, 3000)})
    reference["i32"] = reference["i32"].astype(np.int32)
    current["i32"] = current["i32"].astype(np.int32)
    specs = [ColumnSpec("f32", NUMERICAL), ColumnSpec("i32", NUMERICAL)]
    for config in (None, DriftConfig(stattest="psi"), DriftConfig(stattest="jensenshannon")):
        _assert_same(reference, current, specs, config)
