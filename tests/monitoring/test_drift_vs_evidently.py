"""The whole check (typing included) against a PLAIN Evidently ``DataDriftPreset``: no data definition, Evidently
types the columns itself from the current data. Every column's kind, method, threshold, score (1e-9) and verdict and
the dataset verdict must be equal, on both sides of each typing rule, for text, float32, datetime and bool/category
columns, small (<= 1000 reference rows) and large. Where mlops-gov deliberately differs (docs/drift-vs-evidently.md),
a test shows both outputs."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from monitoring.domain.check import check_frames
from monitoring.domain.coltypes import DATETIME, evidently_kind, infer_kind
from monitoring.domain.drift import DriftConfig, DriftError, evidently_drift
from monitoring.domain.profile import CATEGORICAL, NUMERICAL, TEXT, ColumnSpec

os.environ.setdefault("DO_NOT_TRACK", "1")
TOL = 1e-9


def assert_same_as_plain_evidently(reference: pd.DataFrame, current: pd.DataFrame, config: DriftConfig | None = None):
    ours = check_frames(reference, current, config)
    theirs = evidently_drift(reference, current, None, config)
    mine = {c.column: c for c in ours.result.columns}
    ev = {c.column: c for c in theirs.columns}
    assert set(mine) == set(ev)
    for name, column in mine.items():
        other = ev[name]
        assert (column.kind, column.method, column.threshold, column.detected) == (
            other.kind,
            other.method,
            other.threshold,
            other.detected,
        ), name
        assert abs(column.score - other.score) <= TOL, (column, other)
    assert (ours.result.drifted_count, ours.result.dataset_drift) == (theirs.drifted_count, theirs.dataset_drift)
    assert ours.result.share == pytest.approx(theirs.share, abs=1e-12)
    return ours, theirs


def kinds(outcome) -> dict[str, str]:
    return {t.name: t.kind for t in outcome.typing}


def methods(outcome) -> dict[str, str]:
    return {c.column: c.method for c in outcome.result.columns}


def words(rng: np.random.Generator, n: int, vocabulary: list[str]) -> list[str]:
    return [" ".join(rng.choice(vocabulary, 6)) + f" {i}" for i, _ in enumerate(range(n))]


@pytest.mark.parametrize("n", [600, 3000])
def test_integer_cardinality_rule_both_sides(n):
    rng = np.random.default_rng(n)
    reference = pd.DataFrame(
        {
            "ten": rng.integers(0, 10, n),  # 10 distinct: categorical
            "eleven": rng.integers(0, 11, n),  # 11 distinct: numerical
            "float_few": rng.integers(0, 3, n).astype(float),  # a float is numerical whatever its cardinality
        }
    )
    current = pd.DataFrame(
        {
            "ten": rng.integers(1, 11, n),
            "eleven": rng.integers(1, 12, n),
            "float_few": rng.integers(0, 3, n).astype(float),
        }
    )
    ours, _ = assert_same_as_plain_evidently(reference, current)
    assert kinds(ours) == {"ten": CATEGORICAL, "eleven": NUMERICAL, "float_few": NUMERICAL}
    small = n <= 1000
    assert methods(ours)["ten"] == ("chi-square p_value" if small else "Jensen-Shannon distance")
    assert methods(ours)["eleven"] == ("K-S p_value" if small else "Wasserstein distance (normed)")


def test_typing_follows_the_current_data_and_can_follow_the_reference():
    rng = np.random.default_rng(4)
    n = 2500
    reference = pd.DataFrame({"codes": rng.integers(0, 15, n), "level": rng.integers(0, 6, n)})
    current = pd.DataFrame({"codes": rng.integers(0, 7, n), "level": rng.integers(0, 14, n)})
    ours, _ = assert_same_as_plain_evidently(reference, current)
    assert kinds(ours) == {"codes": CATEGORICAL, "level": NUMERICAL}  # as the current data says
    by_reference = check_frames(reference, current, DriftConfig(typing_from="reference"))
    assert kinds(by_reference) == {"codes": NUMERICAL, "level": CATEGORICAL}
    specs = [ColumnSpec("codes", NUMERICAL), ColumnSpec("level", CATEGORICAL)]
    theirs = evidently_drift(reference, current, specs)  # Evidently told the same kinds gives the same answer
    for mine, ev in zip(by_reference.result.columns, theirs.columns, strict=True):
        assert (mine.method, mine.detected) == (ev.method, ev.detected)
        assert abs(mine.score - ev.score) <= TOL


def test_strings_more_than_half_distinct_are_text_large():
    rng = np.random.default_rng(5)
    n = 1600
    vocabulary = ["loan", "credit", "card", "account", "balance", "fee", "branch", "online", "transfer", "rate"]
    drifted = [*vocabulary[:5], "crypto", "wallet", "token", "mining", "exchange"]
    half = [f"code{i % (n // 2)}" for i in range(n)]  # exactly 50% distinct: categorical (Evidently's ">" rule)
    reference = pd.DataFrame({"note": words(rng, n, vocabulary), "half": half, "x": rng.normal(size=n)})
    current = pd.DataFrame(
        {"note": words(rng, n, drifted), "half": [*half[:-1], "extra"], "x": rng.normal(size=n)}
    )  # half + 1 distinct: text
    ours, _ = assert_same_as_plain_evidently(reference, current)
    assert kinds(ours) == {"note": TEXT, "half": TEXT, "x": NUMERICAL}
    assert methods(ours)["note"] == "Absolute text content drift"
    by_column = {c.column: c for c in ours.result.columns}
    assert by_column["note"].detected and by_column["note"].score > 0.9
    ours, _ = assert_same_as_plain_evidently(reference, current.assign(half=half))  # exactly half distinct
    assert kinds(ours)["half"] == CATEGORICAL


def test_small_text_uses_the_percentile_method():
    rng = np.random.default_rng(6)
    n = 300
    vocabulary = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]
    reference = pd.DataFrame({"note": words(rng, n, vocabulary), "x": rng.normal(size=n)})
    current = pd.DataFrame({"note": words(rng, n, [*vocabulary[:4], "zeta", "eta"]), "x": rng.normal(size=n)})
    ours, _ = assert_same_as_plain_evidently(reference, current)
    assert methods(ours)["note"] == "Percentile text content drift"
    assert next(c for c in ours.result.columns if c.column == "note").threshold == 0.95


def test_float32_bool_and_category_dtypes():
    rng = np.random.default_rng(7)
    n = 4000
    reference = pd.DataFrame(
        {
            "f32": rng.normal(5, 3, n).astype(np.float32),
            "flag": rng.choice([True, False], n),
            "grade": pd.Categorical(rng.choice(list("ABCD"), n)),
        }
    )
    current = pd.DataFrame(
        {
            "f32": rng.normal(5.1, 3, n).astype(np.float32),
            "flag": rng.choice([True, False], n, p=[0.6, 0.4]),
            "grade": pd.Categorical(rng.choice(list("ABCE"), n)),
        }
    )
    ours, _ = assert_same_as_plain_evidently(reference, current)
    assert kinds(ours) == {"f32": NUMERICAL, "flag": CATEGORICAL, "grade": CATEGORICAL}
    assert_same_as_plain_evidently(reference, current, DriftConfig(stattest="psi"))


@pytest.mark.parametrize("count", [1, 2])
def test_datetime_columns_are_never_checked(count):
    rng = np.random.default_rng(8)
    n = 1500
    reference = pd.DataFrame({"x": rng.normal(size=n), "k": rng.choice(list("ab"), n)})
    current = pd.DataFrame({"x": rng.normal(0.2, size=n), "k": rng.choice(list("ab"), n)})
    for index in range(count):
        reference[f"when{index}"] = pd.date_range("2024-01-01", periods=n, freq="h")
        current[f"when{index}"] = pd.date_range("2025-06-01", periods=n, freq="h")
    ours, theirs = assert_same_as_plain_evidently(reference, current)
    assert {t.name: t.kind for t in ours.typing if not t.checked} == {f"when{i}": DATETIME for i in range(count)}
    assert [c.column for c in theirs.columns] == ["x", "k"]


def test_typing_rules_equal_evidentlys_infer_column_type():
    from evidently.core.datasets import infer_column_type

    rng = np.random.default_rng(9)
    samples = [
        pd.Series(rng.integers(0, 10, 50)),
        pd.Series(rng.integers(0, 11, 500)),
        pd.Series(rng.normal(size=20).astype(np.float32)),
        pd.Series(["a", "b"] * 10),
        pd.Series([f"t{i}" for i in range(11)] + ["t0"] * 9),
        pd.Series(["a", None, "b", "c"]),
        pd.Series([f"t{i}" for i in range(10)] * 2, dtype="string"),
        pd.Series([True, False]),
        pd.Series(pd.Categorical(["x", "y"])),
        pd.Series(pd.date_range("2024-01-01", periods=3)),
        pd.Series([None, None], dtype=object),
        pd.Series([[1], [2]]),
    ]
    names = {"num": NUMERICAL, "cat": CATEGORICAL, "text": TEXT, "datetime": DATETIME}
    for series in samples:
        expected = names.get(infer_column_type(series).value, "unknown")
        assert evidently_kind(series) == expected, series.dtype
        if expected != "unknown":
            assert infer_kind(series)[0] == expected, series.dtype


# ---------------------------------------------------------------------------------------- deliberate differences
@pytest.mark.parametrize(
    ("values_ref", "values_cur", "dtype", "kind"),
    [
        (lambda r, n: r.integers(0, 20, n), lambda r, n: r.integers(2, 22, n), "Int64", NUMERICAL),
        (lambda r, n: r.normal(size=n), lambda r, n: r.normal(0.3, size=n), "Float64", NUMERICAL),
        (lambda r, n: r.choice([True, False, None], n), lambda r, n: r.choice([True, None], n), "boolean", CATEGORICAL),
        (lambda r, n: r.choice([True, False, None], n), lambda r, n: r.choice([True, None], n), object, CATEGORICAL),
        (lambda r, n: r.integers(0, 30, n), lambda r, n: r.integers(3, 33, n), "uint8", NUMERICAL),
    ],
    ids=["Int64", "Float64", "boolean", "bool-with-blanks", "uint8"],
)
def test_nullable_and_unsigned_columns_are_checked_where_evidently_drops_them(values_ref, values_cur, dtype, kind):
    rng = np.random.default_rng(10)
    n = 1500
    base = rng.normal(size=n)
    reference = pd.DataFrame({"x": base, "c": pd.Series(values_ref(rng, n)).astype(dtype)})
    current = pd.DataFrame({"x": base, "c": pd.Series(values_cur(rng, n)).astype(dtype)})
    ours = check_frames(reference, current)
    theirs = evidently_drift(reference, current, None)
    assert [c.column for c in theirs.columns] == ["x"]  # Evidently: typed unknown, silently left out
    column = next(c for c in ours.result.columns if c.column == "c")
    assert column.kind == kind and column.detected  # mlops-gov: checked, and it drifted
    assert ours.result.dataset_drift and not theirs.dataset_drift  # so the dataset verdicts differ


def test_codes_read_as_numbers_in_one_file_and_text_in_the_other():
    rng = np.random.default_rng(11)
    n = 2000
    codes = rng.integers(0, 5, n)
    reference = pd.DataFrame({"x": rng.normal(size=n), "code": codes})
    current = pd.DataFrame({"x": rng.normal(size=n), "code": rng.permutation(codes).astype(str)})
    ours = check_frames(reference, current)
    theirs = evidently_drift(reference, current, None)
    ev = next(c for c in theirs.columns if c.column == "code")
    mine = next(c for c in ours.result.columns if c.column == "code")
    assert ev.detected and ev.score > 0.8  # Evidently: 3 != "3", every category "new", drift
    assert not mine.detected and mine.score < 1e-12  # mlops-gov: the same codes, the same shares, no drift


def test_one_stray_text_value_in_a_numeric_column():
    rng = np.random.default_rng(12)
    n = 2000
    reference = pd.DataFrame({"x": rng.normal(size=n), "amount": rng.normal(100, 10, n)})
    as_read = rng.normal(100, 10, n).astype(str).astype(object)  # a CSV column with one "?" is read as text
    as_read[17] = "?"
    for stray in (as_read, pd.Series(as_read).map(lambda v: v if v == "?" else float(v)).to_numpy()):
        current = pd.DataFrame({"x": rng.normal(size=n), "amount": stray})
        ours = check_frames(reference, current)
        mine = next(c for c in ours.result.columns if c.column == "amount")
        assert (mine.kind, mine.method, mine.detected) == (NUMERICAL, "Wasserstein distance (normed)", False)
        try:
            theirs = evidently_drift(reference, current, None)
        except Exception as exc:
            outcome = f"raises {type(exc).__name__}"
        else:
            outcome = "checked" if any(c.column == "amount" for c in theirs.columns) else "left out"
        assert outcome != "checked" or next(c for c in theirs.columns if c.column == "amount").kind != NUMERICAL


def test_empirical_mmd_is_seeded_and_stored_seed_reproduces_the_score():
    rng = np.random.default_rng(13)
    reference = pd.DataFrame({"x": rng.normal(size=80)})
    current = pd.DataFrame({"x": rng.normal(0.15, size=80)})
    config = DriftConfig(num_stattest="empirical_mmd", seed=1234)
    first = check_frames(reference, current, config)
    again = check_frames(reference, current, DriftConfig.from_dict(config.to_dict()))
    assert first.result.columns[0].score == again.result.columns[0].score and first.seed == 1234
    scores = {
        check_frames(reference, current, DriftConfig(num_stattest="empirical_mmd", seed=seed)).result.columns[0].score
        for seed in range(6)
    }
    assert len(scores) > 1  # the seed matters: the score is a Monte Carlo p-value
    state = np.random.get_state()[1].copy()
    check_frames(reference, current, config)
    assert (np.random.get_state()[1] == state).all()  # numpy's global generator is left as it was


def test_per_column_settings_for_a_column_that_is_not_checked_are_refused():
    rng = np.random.default_rng(14)
    frame = pd.DataFrame({"x": rng.normal(size=300), "k": rng.choice(list("ab"), 300)})
    config = DriftConfig(per_column_stattest={"typo": "ks"})
    theirs = evidently_drift(frame, frame, None, config)  # Evidently ignores the unknown name
    assert [c.column for c in theirs.columns] == ["x", "k"]
    with pytest.raises(DriftError, match="per_column_stattest names column 'typo'"):
        check_frames(frame, frame, config)


# ---------------------------------------------------------------------------------------- inputs that cannot be checked
@pytest.mark.parametrize(
    ("config", "message"),
    [
        (DriftConfig(stattest="ks"), r"Column 'k' is categorical: stat test 'ks' \(stattest\) applies to numerical"),
        (
            DriftConfig(per_column_stattest={"k": "wasserstein"}),
            r"Column 'k' is categorical: stat test 'wasserstein' \(per_column_stattest\['k'\]\)",
        ),
        (DriftConfig(stattest="abs_text_content_drift"), "'x' is numerical: stat test 'abs_text_content_drift'"),
        (DriftConfig(column_types={"x": TEXT}), "Column 'x' cannot be text: it holds numbers"),
        (DriftConfig(column_types={"k": NUMERICAL}), "Column 'k' cannot be numerical"),
        (DriftConfig(column_types={"nope": NUMERICAL}), "names 'nope', not a feature column"),
        (DriftConfig(timestamp="nope"), "timestamp column 'nope' is not in the reference"),
    ],
)
def test_configuration_refused_before_the_check_runs(config, message):
    rng = np.random.default_rng(15)
    frame = pd.DataFrame({"x": rng.normal(size=200), "k": rng.choice(list("ab"), 200)})
    with pytest.raises(DriftError, match=message):
        check_frames(frame, frame, config)


@pytest.mark.parametrize("side", ["reference", "current"])
def test_an_all_infinite_column_is_refused_naming_it(side):
    rng = np.random.default_rng(16)
    good = pd.DataFrame({"x": rng.normal(size=200), "y": rng.normal(size=200)})
    bad = good.assign(y=np.where(rng.random(200) < 0.5, np.inf, -np.inf))
    reference, current = (bad, good) if side == "reference" else (good, bad)
    with pytest.raises(DriftError, match=f"Column 'y' has no usable value in the {side} data"):
        check_frames(reference, current)


def test_column_types_override_and_timestamp():
    rng = np.random.default_rng(17)
    n = 1200
    reference = pd.DataFrame({"code": rng.integers(0, 40, n), "t": np.arange(n), "x": rng.normal(size=n)})
    current = pd.DataFrame({"code": rng.integers(0, 40, n), "t": np.arange(n) + n, "x": rng.normal(size=n)})
    outcome = check_frames(reference, current, DriftConfig(column_types={"code": CATEGORICAL}, timestamp="t"))
    assert kinds(outcome) == {"code": CATEGORICAL, "x": NUMERICAL}
    assert next(t for t in outcome.typing if t.name == "code").source == "configured"
    specs = [ColumnSpec("code", CATEGORICAL), ColumnSpec("x", NUMERICAL)]
    theirs = evidently_drift(reference, current, specs)
    for mine, ev in zip(outcome.result.columns, theirs.columns, strict=True):
        assert (mine.method, mine.detected) == (ev.method, ev.detected) and abs(mine.score - ev.score) <= TOL
