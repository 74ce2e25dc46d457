"""CLI: run_drift_check on two files (exit 0 / 3 / 2) and upload_dataset."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from monitoring.models import Dataset
from tests.monitoring.conftest import csv_bytes, make_frame

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
