"""`make bench` runs bench/run_all.py: every bench in bench/ is known to it and each runs under the shared lock."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from bench import run_all  # noqa: E402


def test_every_bench_script_is_run_and_exists() -> None:
    on_disk = {path.name for path in (ROOT / "bench").glob("*_bench.py")}
    assert {script for script, _ in run_all.BENCHES.values()} == on_disk


@pytest.mark.parametrize("full", [False, True])
def test_each_bench_runs_under_the_lock(full: bool) -> None:
    for name, (script, quick) in run_all.BENCHES.items():
        cmd = run_all.command(name, full=full)
        assert cmd[:2] == ["flock", "/tmp/mlops-bench.lock"]
        assert cmd[3] == str(ROOT / "bench" / script)
        assert cmd[4:] == ([] if full else quick)


def test_dry_run_lists_the_chosen_benches_and_runs_none() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run_all.py"), "--dry-run", "--only", "drift,report"],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["== drift", "== report"]
    assert "summary" not in result.stdout


def test_unknown_bench_is_a_one_line_error() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run_all.py"), "--only", "drift,nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert f"unknown bench nope; known: {', '.join(run_all.BENCHES)}" in result.stderr
    assert "drift_scale" in run_all.BENCHES
    assert "Traceback" not in result.stderr
