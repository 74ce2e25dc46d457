"""Drift at warehouse scale: a wide Parquet reference and batch registered by ``file://`` URI, checked by real Celery
workers (1, then 2), with Evidently's preset on the largest slice of the same data it can run here.

    flock /tmp/mlops-bench.lock .venv/bin/python bench/drift_scale_bench.py                 # 1,000,000 x 1,000
    flock /tmp/mlops-bench.lock .venv/bin/python bench/drift_scale_bench.py --rows 100000 --columns 200

Data (generated once from a fixed seed and cached under ``var/bench/drift_scale/data``; a second run reuses it):
Parquet files of ``--rows`` x ``--columns``: 40% float64, 30% float32, 10% small integers (numeric), 20% strings
with 3 to 40 values (categorical); in the batch a tenth of the columns are shifted. Written in row groups of 100,000
rows, so the generator never holds more than one row group.

Steps (each in its own processes, every worker started the project's way: ``python -m celery -A mlops_gov worker``,
``--concurrency 1``):
1. register: both files by ``file://`` URI under an allow-listed root (``DATASET_FILE_ROOTS``) through
   ``dataset_import_request``; one worker reads them (streamed copy and checksum, validation and the reference
   profile a column at a time). Cached: a second run with the same sizes reuses the registered datasets.
2. check on N workers (``--workers 1,2``): fresh workers, the check queued as the upload path queues it
   (``check_create``), split into parts of ``--shard-columns`` columns; wall time from queueing to the stored result,
   peak RSS of every worker (VmHWM of the worker and its pool child, read from /proc before it stops), speed-up.
3. Evidently: ``DataDriftPreset`` on the first ``--evidently-rows`` rows x the most columns that fit
   ``--evidently-budget-mb`` (measured on a small trial, then scaled), and this project's engine on the same slice,
   each in its own process; time and peak RSS.
4. projection: from the measured worker-seconds per column (per million rows), 3M x 1,000 on 8 and 32 workers.

Everything for a size lives in ``var/bench/drift_scale/run-<rows>x<columns>`` (SQLite, filesystem broker, media);
``--fresh`` starts it again. The summary is printed at the end and written as JSON (``--json``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

os.environ.setdefault("DO_NOT_TRACK", "1")
ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "var" / "bench" / "drift_scale"
SEED = 20261201
ROW_GROUP = 100_000
MB = 1024 * 1024
CATEGORIES = [f"v{i:02d}" for i in range(40)]


# ------------------------------------------------------------------------------------------------------------- data
def column_plan(columns: int) -> list[tuple[str, str, bool]]:
    """(name, type, shifted in the batch) for each column: float64, float32, int, str; every tenth one shifted."""
    plan = []
    for i in range(columns):
        share = (i * 10) % columns / columns  # interleaved, so any prefix of the columns holds every type
        kind = "f64" if share < 0.4 else "f32" if share < 0.7 else "int" if share < 0.8 else "str"
        plan.append((f"{kind}_{i:04d}", kind, i % 10 == 3))
    return plan


def generate(path: Path, rows: int, columns: int, *, current: bool) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    plan = column_plan(columns)
    tmp = path.with_suffix(".tmp")
    schema = pa.schema(
        [
            (name, {"f64": pa.float64(), "f32": pa.float32(), "int": pa.int64(), "str": pa.string()}[kind])
            for name, kind, _ in plan
        ]
    )
    dictionary = pa.array(CATEGORIES)
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for start in range(0, rows, ROW_GROUP):
            n = min(ROW_GROUP, rows - start)
            arrays = []
            for index, (_name, kind, shifted) in enumerate(plan):
                rng = np.random.default_rng([SEED, index, start, int(current)])
                s = 1.0 if (current and shifted) else 0.0
                if kind == "f64":
                    values = rng.normal(index % 7 + 0.3 * s, 1 + index % 3, n)
                    arrays.append(pa.array(values))
                elif kind == "f32":
                    arrays.append(pa.array(rng.gamma(2.0 + s, 1.0 + index % 4, n).astype(np.float32)))
                elif kind == "int":
                    arrays.append(pa.array(rng.poisson(5 + index % 20 + 3 * s, n).astype(np.int64)))
                else:
                    size = 3 + index % 38
                    weights = np.linspace(1.0, 2.0 + 3 * s, size)
                    codes = rng.choice(size, n, p=weights / weights.sum()).astype(np.int32)
                    arrays.append(pa.DictionaryArray.from_arrays(codes, dictionary).cast(pa.string()))
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema), row_group_size=ROW_GROUP)
    tmp.rename(path)


def ensure_data(rows: int, columns: int) -> tuple[Path, Path, float]:
    folder = BASE / "data"
    folder.mkdir(parents=True, exist_ok=True)
    ref, cur = folder / f"ref-{rows}x{columns}.parquet", folder / f"cur-{rows}x{columns}.parquet"
    started = time.monotonic()
    for path, current in ((ref, False), (cur, True)):
        if not path.exists():
            print(f"   generating {path.name} ...", flush=True)
            generate(path, rows, columns, current=current)
    return ref, cur, time.monotonic() - started


# -------------------------------------------------------------------------------------------------------- processes
def environment(run_dir: Path, data_dir: Path, shard_columns: int, broker_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "MLOPS_GOV_ENV": "development",
        "MLOPS_GOV_VAR_DIR": str(run_dir),
        "DATABASE_URL": f"sqlite:///{run_dir / 'bench.sqlite3'}",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": "drift-scale",
        "CELERY_TASK_SOFT_TIME_LIMIT": str(6 * 3600),
        "CELERY_TASK_TIME_LIMIT": str(6 * 3600 + 300),
        "DATASET_FILE_ROOTS": str(data_dir),
        "DATASET_IMPORT_MAX_BYTES": str(200 * 1024**3),
        "DRIFT_SHARD_COLUMNS": str(shard_columns),
        "LOG_LEVEL": "WARNING",
        "DO_NOT_TRACK": "1",
    }


class Worker:
    """``python -m celery -A mlops_gov worker --concurrency 1`` (the project's start path) in its own session."""

    def __init__(self, env: dict[str, str], name: str, log: Path) -> None:
        self.name, self.log = name, log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [
                    *(sys.executable, "-m", "celery", "-A", "mlops_gov", "worker", "--loglevel=WARNING"),
                    *("--concurrency=1", "-Q", env["CELERY_TASK_DEFAULT_QUEUE"], "-n", f"{name}@%h"),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def processes(self) -> list[int]:
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        except OSError:
            children = []
        return pids + [int(pid) for pid in children]

    def peak_rss(self) -> dict[str, int]:
        """VmHWM (peak resident set) of the worker process and of each pool child, in bytes."""
        out = {}
        for pid in self.processes():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        out[str(pid)] = int(line.split()[1]) * 1024
            except OSError:
                continue
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def driver(env: dict[str, str], step: str, workers: list[Worker] | None = None, **kwargs: Any) -> dict[str, Any]:
    """Run one step of the Django side (set-up, queueing, waiting) in a child process with the bench's settings;
    while it runs, the workers must stay alive."""
    cmd = [sys.executable, __file__, "--driver", step, "--driver-args", json.dumps(kwargs)]
    with subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        while proc.poll() is None:
            for worker in workers or []:
                if worker.proc.poll() is not None:
                    proc.kill()
                    raise SystemExit(f"worker {worker.name} exited; see {worker.log}")
            time.sleep(1)
        out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{out[-2000:]}\n{err[-4000:]}")
    return cast(dict[str, Any], json.loads(out.strip().splitlines()[-1]))


# ------------------------------------------------------------------------------------------- driver (Django side)
def driver_main(step: str, args: dict[str, Any]) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlops_gov.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import transaction

    from mlops_gov.jobs import JobStatus
    from monitoring import services
    from monitoring.models import Dataset, DatasetImport, DriftCheck, DriftCheckShard
    from registry import services as registry_services
    from registry.models import ModelVersion, Team

    if step == "setup":
        call_command("migrate", verbosity=0)
        user_model = get_user_model()
        user = user_model.objects.filter(username="bench").first() or user_model.objects.create_superuser(
            "bench", "bench@example.org", "bench-password-not-used"
        )
        team, _ = Team.objects.get_or_create(name="bench")
        team.members.add(user)
        version = ModelVersion.objects.filter(model__name="wide").first()
        if version is None:
            model = registry_services.model_create(actor=user, name="wide", team=team)
            version = registry_services.version_create(model=model, actor=user, source_uri="s3://bench/wide/1")
        return {"version": version.pk, "user": user.pk}
    if step == "register":
        user = get_user_model().objects.get(pk=args["user"])
        version = ModelVersion.objects.get(pk=args["version"])
        with transaction.atomic():
            job = services.dataset_import_request(
                version=version, kind=args["kind"], uri=args["uri"], actor=user, run_check=False
            )
        return {"job": job.pk}
    if step == "wait_import":
        deadline = time.monotonic() + args["timeout"]
        job = DatasetImport.objects.get(pk=args["job"])
        while job.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED) and time.monotonic() < deadline:
            time.sleep(1)
            job.refresh_from_db()
        seconds = (job.finished_at - job.created_at).total_seconds() if job.finished_at else None
        return {"status": job.status, "error": job.error, "dataset": job.dataset_id, "seconds": seconds}
    if step == "check":
        current = Dataset.objects.get(pk=args["current"])
        with transaction.atomic():
            check = services.check_create(version=current.version, current=current, trigger="manual", actor=None)
        return {"check": check.pk, "shard_columns": check.shard_columns}
    if step == "wait_check":
        deadline = time.monotonic() + args["timeout"]
        check = DriftCheck.objects.get(pk=args["check"])
        while check.status not in (JobStatus.SUCCEEDED, JobStatus.FAILED) and time.monotonic() < deadline:
            time.sleep(1)
            check.refresh_from_db()
        out: dict[str, Any] = {"status": check.status, "error": check.error}
        if check.status == JobStatus.SUCCEEDED and check.finished_at:
            created = check.created_at
            out.update(
                wall_seconds=(check.finished_at - created).total_seconds(),
                columns=check.column_count,
                drifted=check.drifted_count,
                dataset_drift=check.dataset_drift,
                parts=[
                    {
                        "role": part.role,
                        "columns": len(part.columns),
                        "started": (part.started_at - created).total_seconds() if part.started_at else None,
                        "finished": (part.finished_at - created).total_seconds() if part.finished_at else None,
                    }
                    for part in DriftCheckShard.objects.filter(check_run=check).order_by("started_at")
                ],
                verdicts=sorted(check.columns.values_list("column", "detected")),
            )
        return out
    raise SystemExit(f"unknown step {step}")


# ------------------------------------------------------------------------------------------------------- evidently
def slice_main(args: dict[str, Any]) -> dict[str, Any]:
    """One measurement in its own process: Evidently's preset or this project's engine on a slice of the data."""
    import gc

    import pyarrow.parquet as pq

    from monitoring.domain.drift import DriftConfig, compute_drift, evidently_drift
    from monitoring.domain.ingest import infer_features

    names, rows = args["columns"], args["rows"]
    reference = pq.read_table(args["reference"], columns=names).slice(0, rows).to_pandas(ignore_metadata=True)
    current = pq.read_table(args["current"], columns=names).slice(0, rows).to_pandas(ignore_metadata=True)
    specs = infer_features(reference, {})
    if args["mode"] == "evidently":
        import evidently.presets  # noqa: F401 - imported before measuring

        def call() -> Any:
            return evidently_drift(reference, current, specs)
    else:
        from monitoring.domain.profile import ReferenceProfile

        def call() -> Any:
            profile = ReferenceProfile.from_bytes(ReferenceProfile.from_frame(reference, specs).to_bytes())
            return compute_drift(profile, current, DriftConfig())

    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")
    started = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_rss": _own_hwm(),
        "drifted": int(result.drifted_count),
        "columns": len(result.columns),
    }


def _own_hwm() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def run_slice(mode: str, reference: Path, current: Path, names: list[str], rows: int) -> dict[str, Any]:
    payload = {"mode": mode, "reference": str(reference), "current": str(current), "columns": names, "rows": rows}
    cmd = [sys.executable, __file__, "--slice", json.dumps(payload)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, env={**os.environ})
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout)[-500:], "returncode": proc.returncode}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def evidently_side_by_side(reference: Path, current: Path, args: argparse.Namespace) -> dict[str, Any]:
    names = [name for name, _, _ in column_plan(args.columns)]
    rows = min(args.rows, args.evidently_rows)
    trial_columns = min(10, len(names))
    trial = run_slice("evidently", reference, current, names[:trial_columns], rows)
    if "error" in trial:
        return {"trial": trial}
    # Peak memory grows with the columns: scale the trial's per-column peak to the budget.
    per_column = max(trial["peak_rss"] - 400 * MB, MB) / trial_columns
    fit = int((args.evidently_budget_mb * MB - 400 * MB) / per_column)
    count = max(trial_columns, min(len(names), fit))
    out: dict[str, Any] = {"rows": rows, "columns": count, "trial": trial}
    if count > trial_columns:
        out["evidently"] = run_slice("evidently", reference, current, names[:count], rows)
    else:
        out["evidently"] = trial
    out["engine"] = run_slice("engine", reference, current, names[:count], rows)
    return out


# ------------------------------------------------------------------------------------------------------------ main
def run_check(env: dict[str, str], run_dir: Path, current: int, count: int, timeout: float) -> dict[str, Any]:
    workers = [Worker(env, f"bench{count}-{i}", run_dir / f"worker-{count}-{i}.log") for i in range(count)]
    try:
        time.sleep(10)  # let the workers boot (Django, Celery) before the check is queued
        check = driver(env, "check", workers, current=current)
        status = driver(env, "wait_check", workers, check=check["check"], timeout=timeout)
        peaks = {w.name: w.peak_rss() for w in workers}
    finally:
        for worker in workers:
            worker.stop()
    if status["status"] != "succeeded":
        raise SystemExit(f"the check on {count} worker(s) did not succeed: {status['status']} {status['error']}")
    status["peak_rss"] = peaks
    status["worker_max_peak_rss"] = max(max(p.values(), default=0) for p in peaks.values())
    status["shard_columns"] = check["shard_columns"]
    return status


def register(env: dict[str, str], run_dir: Path, ref: Path, cur: Path, timeout: float) -> dict[str, Any]:
    state_file = run_dir / "registered.json"
    if state_file.exists():
        return cast(dict[str, Any], json.loads(state_file.read_text())) | {"cached": True}
    setup = driver(env, "setup")
    worker = Worker(env, "register", run_dir / "worker-register.log")
    out: dict[str, Any] = {}
    try:
        for kind, path in (("reference", ref), ("current", cur)):
            uri = f"file://{path}"
            job = driver(env, "register", [worker], version=setup["version"], user=setup["user"], kind=kind, uri=uri)
            status = driver(env, "wait_import", [worker], job=job["job"], timeout=timeout)
            if status["status"] != "succeeded":
                raise SystemExit(f"registering the {kind} did not succeed: {status['status']} {status['error']}")
            out[kind] = {"dataset": status["dataset"], "seconds": status["seconds"]}
        out["register_peak_rss"] = max(worker.peak_rss().values(), default=0)
    finally:
        worker.stop()
    state_file.write_text(json.dumps(out))
    return out


def projection(check: dict[str, Any], rows: int, target_rows: int, target_columns: int) -> dict[str, Any]:
    """From the parts' measured worker-seconds: column parts scale with columns and rows, the rows part (one task,
    every column) with both too; the wall time on W workers is the larger of the column work shared by W and the
    rows part, plus the measured fixed overhead (queueing, fan-out, merge)."""
    parts = [p for p in check["parts"] if p["started"] is not None and p["finished"] is not None]
    column_parts = [p for p in parts if p["role"] == "columns"]
    rows_part = [p for p in parts if p["role"] == "rows"]
    per_column = sum(p["finished"] - p["started"] for p in column_parts) / max(1, check["columns"])
    rows_seconds = sum(p["finished"] - p["started"] for p in rows_part)
    busy = sum(p["finished"] - p["started"] for p in parts)
    overhead = max(0.0, check["wall_seconds"] - busy)
    scale = target_rows / rows * math.log(target_rows) / math.log(rows)  # sorting is n log n
    columns_scale = target_columns / check["columns"]
    out = {
        "per_column_seconds_per_million_rows": per_column / (rows / 1e6),
        "rows_part_seconds": rows_seconds,
        "overhead_seconds": overhead,
    }
    for workers in (8, 32):
        column_work = per_column * target_columns * scale
        rows_work = rows_seconds * scale * columns_scale
        out[f"{workers}_workers_seconds"] = max(column_work / workers, rows_work) + overhead
    out["1_worker_seconds"] = per_column * target_columns * scale + rows_seconds * scale * columns_scale + overhead
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=1000)
    parser.add_argument("--shard-columns", type=int, default=25, help="columns per part of the check")
    parser.add_argument("--workers", default="1,2", help="worker counts to run the check on, e.g. 1,2")
    parser.add_argument("--evidently-rows", type=int, default=1_000_000, help="rows of the Evidently slice")
    parser.add_argument("--evidently-budget-mb", type=int, default=3000, help="peak memory allowed to Evidently")
    parser.add_argument("--skip-evidently", action="store_true")
    parser.add_argument(
        "--broker-url",
        default="filesystem://",
        help="the workers' broker: the embedded filesystem broker polls once a second per worker, a cost that "
        "dominates small runs; e.g. redis://127.0.0.1:6379/14 (the README's scale-out)",
    )
    parser.add_argument("--fresh", action="store_true", help="register again (the generated data is kept)")
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds allowed to each step")
    parser.add_argument("--json", type=Path, default=None, help="write the results here too")
    parser.add_argument("--driver", help=argparse.SUPPRESS)
    parser.add_argument("--driver-args", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--slice", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.driver:
        print(json.dumps(driver_main(args.driver, json.loads(args.driver_args)), default=str))
        return 0
    if args.slice:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(slice_main(json.loads(args.slice))))
        return 0

    counts = [int(c) for c in args.workers.split(",") if c.strip()]
    free = shutil.disk_usage(ROOT).free
    print(f"== drift at scale: {args.rows:,} rows x {args.columns:,} columns; disk free {free / 1024**3:.0f} GB")
    print("== 1. data", flush=True)
    ref, cur, generated = ensure_data(args.rows, args.columns)
    sizes = {p.name: p.stat().st_size for p in (ref, cur)}
    listed = ", ".join(f"{name} {size / MB:,.0f} MB" for name, size in sizes.items())
    print(f"   {listed} ({generated:.0f} s)")
    run_dir = BASE / f"run-{args.rows}x{args.columns}"
    if args.fresh and run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    env = environment(run_dir, ref.parent, args.shard_columns, args.broker_url)

    print("== 2. register by file:// URI (1 worker)", flush=True)
    registered = register(env, run_dir, ref, cur, args.timeout)
    cached = " (cached from an earlier run)" if registered.get("cached") else ""
    print(
        f"   reference {registered['reference']['seconds']:.0f} s, current {registered['current']['seconds']:.0f} s, "
        f"worker peak RSS {registered['register_peak_rss'] / MB:,.0f} MB{cached}"
    )
    checks: dict[int, dict[str, Any]] = {}
    for count in counts:
        print(f"== 3. check on {count} worker(s), {args.shard_columns} columns per part", flush=True)
        checks[count] = run_check(env, run_dir, registered["current"]["dataset"], count, args.timeout)
        result = checks[count]
        peaks = ", ".join(f"{max(p.values(), default=0) / MB:,.0f} MB" for p in result["peak_rss"].values())
        print(
            f"   {result['wall_seconds']:.1f} s; {result['drifted']}/{result['columns']} drifted; "
            f"{len(result['parts'])} parts; peak RSS per worker: {peaks}"
        )
    if len(counts) > 1:
        first = checks[counts[0]]
        for count in counts[1:]:
            assert checks[count]["verdicts"] == first["verdicts"], "verdicts differ between worker counts"
    side: dict[str, Any] = {}
    if not args.skip_evidently:
        print("== 4. Evidently's DataDriftPreset on the largest slice that fits, and the engine on it", flush=True)
        side = evidently_side_by_side(ref, cur, args)
        print(f"   {json.dumps({k: v for k, v in side.items() if k != 'trial'})}")
    base = checks[counts[0]]
    proj = projection(base, args.rows, 3_000_000, 1000)

    summary: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_end": os.getloadavg(),
        },
        "rows": args.rows,
        "columns": args.columns,
        "broker": args.broker_url.split("://", 1)[0],
        "shard_columns": args.shard_columns,
        "file_bytes": sizes,
        "registered": registered,
        "checks": {
            str(c): {k: v for k, v in r.items() if k not in ("verdicts", "parts")} | {"parts": len(r["parts"])}
            for c, r in checks.items()
        },
        "evidently": side,
        "projection_3M_x_1000": proj,
    }
    print("== summary")
    broker = args.broker_url.split("://", 1)[0]
    print(f"   data: {args.rows:,} x {args.columns:,}, parts of {args.shard_columns} columns, {broker} broker")
    for count, result in checks.items():
        print(
            f"   {count} worker(s): {result['wall_seconds']:8.1f} s   max worker peak RSS "
            f"{result['worker_max_peak_rss'] / MB:7,.0f} MB"
        )
    if 1 in checks and 2 in checks:
        speedup = checks[1]["wall_seconds"] / checks[2]["wall_seconds"]
        summary["speedup_2_vs_1"] = speedup
        print(f"   speed-up 2 vs 1 workers: {speedup:.2f}x (done when >= 1.7x)")
    worst = max(r["worker_max_peak_rss"] for r in checks.values())
    print(f"   worst worker peak RSS: {worst / MB:,.0f} MB (done when < 1,536 MB)")
    if side.get("evidently") and "seconds" in side["evidently"]:
        ev, en = side["evidently"], side["engine"]
        print(
            f"   Evidently on {side['rows']:,} x {side['columns']}: {ev['seconds']:.1f} s, "
            f"peak {ev['peak_rss'] / MB:,.0f} MB; engine on the same slice: {en.get('seconds', float('nan')):.1f} s, "
            f"peak {en.get('peak_rss', 0) / MB:,.0f} MB"
        )
    print(
        f"   projection 3M x 1,000: 1 worker {proj['1_worker_seconds'] / 60:.0f} min, 8 workers "
        f"{proj['8_workers_seconds'] / 60:.1f} min, 32 workers {proj['32_workers_seconds'] / 60:.1f} min "
        f"({proj['per_column_seconds_per_million_rows']:.2f} worker-s per column per million rows)"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
