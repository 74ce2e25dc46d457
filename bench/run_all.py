"""Run the benchmarks in bench/ one after another (`make bench`).

    .venv/bin/python bench/run_all.py                     # every bench, quick sizes (a smoke run: minutes, not hours)
    .venv/bin/python bench/run_all.py --full              # every bench at its own defaults (the published figures)
    .venv/bin/python bench/run_all.py --only drift,report # some of them
    make bench BENCH_ARGS="--full --only mlflow"

Each bench runs as its own process under ``flock /tmp/mlops-bench.lock``, so it never overlaps another benchmark
on this machine (whoever started it); the quick sizes are small enough that their figures only show that the bench
works. audit and registry need the PostgreSQL server on 127.0.0.1:5432; registry and mlflow need ``wrk``; mlflow
creates ``var/bench/mlflow-venv`` with the MLflow server the first time. A bench that fails does not stop the others;
the exit status is non-zero if any failed, and a summary lists each one's outcome and duration.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
LOCK = "/tmp/mlops-bench.lock"

# name -> (script, arguments of the quick run). --full passes no arguments: each bench's defaults.
BENCHES: dict[str, tuple[str, list[str]]] = {
    "drift": ("drift_bench.py", ["--rows", "10000", "--repeat", "1"]),
    "drift_scale": (
        "drift_scale_bench.py",
        ["--rows", "20000", "--columns", "60", "--shard-columns", "10", "--evidently-rows", "20000"],
    ),
    "report": ("report_bench.py", ["--repeat", "1", "--events", "100", "--checks", "3", "--portfolio-models", "5"]),
    "audit": ("audit_bench.py", ["--events", "20000", "--appends", "100", "--repeats", "1", "--skip-slow"]),
    "registry": (
        "registry_bench.py",
        ["--models", "50", "--versions-per-model", "3", "--events", "1000", "--duration", "2", "--rounds", "1"],
    ),
    "mlflow": ("mlflow_bench.py", ["--models", "50", "--duration", "2", "--rounds", "1"]),
}


def command(name: str, *, full: bool) -> list[str]:
    script, quick = BENCHES[name]
    return ["flock", LOCK, sys.executable, str(BENCH / script), *([] if full else quick)]


def parse_only(value: str) -> list[str]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in BENCHES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown bench {', '.join(unknown) or '(none)'}; known: {', '.join(BENCHES)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="each bench at its own default sizes (slow)")
    parser.add_argument("--only", type=parse_only, default=list(BENCHES), help="comma-separated: " + ",".join(BENCHES))
    parser.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    args = parser.parse_args(argv)

    env = {**os.environ, "DO_NOT_TRACK": "1"}  # evidently: no usage telemetry from a benchmark
    outcomes: list[tuple[str, int, float]] = []
    for name in args.only:
        cmd = command(name, full=args.full)
        print(f"== {name}: {' '.join(cmd)}", flush=True)
        if args.dry_run:
            continue
        started = time.monotonic()
        try:
            returncode = subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode
        except KeyboardInterrupt:
            print(f"== {name}: interrupted", flush=True)
            return 130
        outcomes.append((name, returncode, time.monotonic() - started))
    if outcomes:
        print("== summary")
        for name, returncode, seconds in outcomes:
            print(f"  {name:10s} {'ok' if returncode == 0 else f'FAILED (exit {returncode})':18s} {seconds:7.1f} s")
    return 1 if any(returncode for _, returncode, _ in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
