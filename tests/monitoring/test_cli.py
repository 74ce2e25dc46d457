"""CLI: run_drift_check on two files (exit 0 / 3 / 2) and upload_dataset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from monitoring.models import Dataset
from tests.monitoring.factories import csv_bytes, make_frame

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "run_drift_check", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "MLOPS_GOV_ENV": "test"},
    )


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    # Other apps may log at start-up; the command's own message is exactly one "error:" line.
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_run_drift_check_exit_codes_and_json(tmp_path):
    ref, same, shifted = tmp_path / "ref.csv", tmp_path / "same.csv", tmp_path / "shifted.csv"
    ref.write_bytes(csv_bytes(make_frame(400, seed=1)))
    same.write_bytes(csv_bytes(make_frame(400, seed=1)))
    shifted.write_bytes(csv_bytes(make_frame(400, shift=1.0, seed=2)))
    ok = run(str(ref), str(same), "--json")
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["dataset_drift"] is False and len(data["columns"]) == 4
    drift = run(str(ref), str(shifted))
    assert drift.returncode == 3 and "DATASET DRIFT" in drift.stdout
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"drift_share": 1.0, "cat_stattest": "nope"}))
    bad_config = run(str(ref), str(shifted), "--config", str(config))
    assert bad_config.returncode == 2 and len(error_lines(bad_config)) == 1 and "configuration" in bad_config.stderr
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"age,age\n1,2\n")
    bad = run(str(ref), str(broken))
    assert bad.returncode == 2 and "Duplicate column names" in bad.stderr and len(error_lines(bad)) == 1
    missing = run(str(ref), str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr


@pytest.mark.django_db
def test_upload_dataset_command(tmp_path, personas, version):
    path = tmp_path / "ref.csv"
    path.write_bytes(csv_bytes(make_frame(30)))
    call_command("upload_dataset", "churn", "1", str(path), "--kind", "reference", "--user", "sam")
    dataset = Dataset.objects.get()
    assert dataset.n_rows == 30 and dataset.uploaded_by == personas.scientist
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        call_command("upload_dataset", "churn", "1", str(bad), "--kind", "current", "--user", "sam")


def test_run_drift_check_types_like_evidently_and_shows_the_typing(tmp_path):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    n = 400

    def frame(shift: int, start: str) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "when": pd.date_range(start, periods=n, freq="h"),
                "grade": rng.integers(0 + shift, 7 + shift, n),  # 7 distinct integers: categorical
                "amount": rng.normal(100, 10, n),
                "code": rng.integers(0, 40, n),
            }
        )

    ref, cur = tmp_path / "ref.parquet", tmp_path / "cur.parquet"
    frame(0, "2024-01-01").to_parquet(ref)
    frame(0, "2025-01-01").to_parquet(cur)
    result = run(str(ref), str(cur), "--json", "--column-type", "code=categorical", "--seed", "7")
    assert result.returncode in (0, 3), result.stderr
    data = json.loads(result.stdout)
    typing = {t["name"]: (t["kind"], t["source"]) for t in data["typing"]}
    assert typing == {
        "when": ("datetime", "current"),
        "grade": ("categorical", "current"),
        "amount": ("numerical", "current"),
        "code": ("categorical", "configured"),
    }
    assert [c["column"] for c in data["columns"]] == ["grade", "amount", "code"] and data["seed"] == 7
    by_reference = json.loads(
        run(str(ref), str(cur), "--json", "--typing-from", "reference", "--timestamp", "when").stdout
    )
    assert "when" not in {t["name"] for t in by_reference["typing"]}


# x: floats (numerical); k: 2 distinct strings in 4 rows (categorical, not text)
GOOD, ALL_INF = b"x,k\n1.5,a\n2.5,b\n3.5,a\n4.5,a\n", b"x,k\ninf,a\n-inf,b\ninf,a\ninf,a\n"


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        ((GOOD, ALL_INF), (), "Column 'x' has no usable value in the current"),
        ((ALL_INF, GOOD), (), "Column 'x' has no usable value in the reference"),
        ((GOOD, GOOD), ("--config", "ks.json"), "Column 'k' is categorical: stat test 'ks'"),
        ((GOOD, GOOD), ("--config", "wass.json"), "stat test 'wasserstein' (per_column_stattest['k'])"),
        ((GOOD, GOOD), ("--column-type", "k=numerical"), "Column 'k' cannot be numerical"),
        ((GOOD, GOOD), ("--column-type", "k"), "write NAME=KIND"),
        ((GOOD, GOOD), ("--timestamp", "nope"), "timestamp column 'nope' is not in the file"),
        ((GOOD, b"x,k\n1,a,3\n4\n"), (), "line 2 has 3 fields where the header has 2"),
    ],
)
def test_run_drift_check_refuses_what_cannot_be_checked_in_one_line(tmp_path, files, args, message):
    (tmp_path / "ks.json").write_text(json.dumps({"stattest": "ks"}))
    (tmp_path / "wass.json").write_text(json.dumps({"per_column_stattest": {"k": "wasserstein"}}))
    ref, cur = tmp_path / "ref.csv", tmp_path / "cur.csv"
    ref.write_bytes(files[0])
    cur.write_bytes(files[1])
    args = tuple(str(tmp_path / a) if a.endswith(".json") else a for a in args)
    result = run(str(ref), str(cur), *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = error_lines(result)
    assert len(lines) == 1 and message in lines[0], result.stderr
