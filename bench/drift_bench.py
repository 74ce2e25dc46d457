"""Drift check benchmark: the project's engine (``monitoring.domain.compute_drift``) against Evidently's
``DataDriftPreset`` on the same data, side by side in one run, with a verdict/score equality check.

    DO_NOT_TRACK=1 .venv/bin/python bench/drift_bench.py                       # 10k, 100k, 1M rows
    DO_NOT_TRACK=1 .venv/bin/python bench/drift_bench.py --rows 10000 --repeat 3 --json var/drift_bench.json

Data: reference and current frames of the same size, 20 columns (15 numeric, 5 categorical strings as ``object``),
generated from a fixed seed; the current frame is shifted in 8 numeric and 3 categorical columns.

Every measurement runs in its own fresh subprocess (so memory figures do not mix):
- ``evidently``: ``Report([DataDriftPreset()], include_tests=True).run(...)`` plus reading ``snapshot.dict()``; the
  process holds both frames, Evidently imported beforehand.
- ``engine``: ``compute_drift(profile, current)``; the process holds the current frame and the reference profile
  (loaded from its bytes, as a check task does); the reference frame is not needed and is dropped.
- ``profile``: the one-off ``ReferenceProfile.from_frame(...).to_bytes()`` at reference upload.
- ``html``: ``evidently_html_report(...)`` (Evidently's own HTML, produced on demand).
Time is the wall time of the call alone. Peak memory is the process's peak RSS (VmHWM, reset through
/proc/self/clear_refs just before the call) and its increase over the RSS just before the call.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DO_NOT_TRACK", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from monitoring.domain.profile import CATEGORICAL, NUMERICAL, ColumnSpec  # noqa: E402

SEED = 20260501
N_NUMERIC, N_CATEGORICAL = 15, 5
CARDINALITIES = (3, 5, 12, 40, 150)
MB = 1024 * 1024


def columns() -> list[ColumnSpec]:
    return [ColumnSpec(f"num_{i:02d}", NUMERICAL) for i in range(N_NUMERIC)] + [
        ColumnSpec(f"cat_{i}", CATEGORICAL) for i in range(N_CATEGORICAL)
    ]


def make_frame(rows: int, *, current: bool) -> pd.DataFrame:
    """15 numeric columns of varied shapes (one with 5% NaN, two integer, one with 4 values) and 5 string columns."""
    rng = np.random.default_rng(SEED + (1 if current else 0))
    s = 1.0 if current else 0.0  # shift switch
    data: dict[str, np.ndarray] = {}
    data["num_00"] = rng.normal(0.3 * s, 1, rows)
    data["num_01"] = rng.normal(10, 2 + 0.6 * s, rows)
    data["num_02"] = rng.normal(-5, 1, rows)
    data["num_03"] = rng.lognormal(0.2 * s, 1, rows)
    data["num_04"] = rng.lognormal(0, 0.5, rows)
    data["num_05"] = rng.uniform(0, 1 + 0.2 * s, rows)
    data["num_06"] = rng.uniform(-1, 1, rows)
    data["num_07"] = rng.integers(0, 100 + 15 * int(s), rows)
    data["num_08"] = rng.integers(18, 90, rows)
    with_nan = rng.exponential(1 + 0.25 * s, rows)
    with_nan[rng.random(rows) < 0.05] = np.nan
    data["num_09"] = with_nan
    data["num_10"] = rng.gamma(2, 2, rows)
    data["num_11"] = rng.normal(0.05 * s, 1, rows)  # a small shift: not drifted
    data["num_12"] = rng.choice([0.0, 1.0, 2.0, 3.0], rows, p=[0.4, 0.3, 0.2, 0.1] if not s else [0.3, 0.3, 0.2, 0.2])
    data["num_13"] = rng.standard_t(5, rows) + 0.3 * s
    data["num_14"] = rng.beta(2, 5, rows)
    for index, cardinality in enumerate(CARDINALITIES):
        labels = np.array(
            [f"value_{index}_{k:03d}" for k in range(cardinality + (2 if s and index == 3 else 0))], dtype=object
        )
        weights = np.linspace(1.0, 2.0, labels.size)
        if s and index in (0, 1):
            weights = weights[::-1] ** 2  # reweighted categories
        data[f"cat_{index}"] = labels[rng.choice(labels.size, rows, p=weights / weights.sum())]
    return pd.DataFrame(data)


def frame_bytes(frame: pd.DataFrame) -> int:
    """Bytes the frame really holds: its arrays plus each distinct string object once (strings are shared)."""
    total = int(frame.memory_usage(index=True, deep=False).sum())
    for name in frame.columns:
        if frame[name].dtype == object:
            total += sum(sys.getsizeof(v) for v in pd.unique(frame[name]))
    return total


# ---------------------------------------------------------------------------------------------------- worker
def _status() -> dict[str, int]:
    out = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":")
                out[key] = int(value.split()[0]) * 1024
    return out


def _reset_peak() -> None:
    gc.collect()
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def worker(mode: str, rows: int, repeat: int) -> dict:
    from monitoring.domain.drift import compute_drift, evidently_drift, evidently_html_report
    from monitoring.domain.profile import ReferenceProfile

    specs = columns()
    reference, current = make_frame(rows, current=False), make_frame(rows, current=True)
    sizes = {"reference_bytes": frame_bytes(reference), "current_bytes": frame_bytes(current)}
    if mode in ("evidently", "html"):
        import evidently.presets  # noqa: F401 - imported before measuring (~3 s, ~300 MB)

        call = (
            (lambda: evidently_drift(reference, current, specs))
            if mode == "evidently"
            else (lambda: evidently_html_report(reference, current, specs))
        )
    elif mode == "engine":
        data = ReferenceProfile.from_frame(reference, specs).to_bytes()
        del reference
        profile = ReferenceProfile.from_bytes(data)
        sizes["profile_bytes"] = len(data)
        del data
        compute_drift(profile, current.iloc[:1000])  # warm scipy's lazy imports (not the data)

        def call():
            return compute_drift(profile, current)
    elif mode == "profile":

        def call():
            return ReferenceProfile.from_frame(reference, specs).to_bytes()
    else:
        raise SystemExit(f"unknown mode {mode}")
    times, peaks = [], []
    result = None
    for _ in range(repeat):
        _reset_peak()
        before = _status()["VmRSS"]
        start = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - start
        status = _status()
        times.append(elapsed)
        peaks.append({"rss_before": before, "rss_peak": status["VmHWM"], "added": status["VmHWM"] - before})
    out = {"mode": mode, "rows": rows, "times": times, "memory": peaks[0], **sizes}
    if mode in ("evidently", "engine"):
        out["result"] = result.to_dict()  # type: ignore[union-attr]
    if mode == "html":
        out["html_bytes"] = len(result)  # type: ignore[arg-type]
    return out


# ---------------------------------------------------------------------------------------------------- parent
def run_worker(mode: str, rows: int, repeat: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", mode, "--rows", str(rows), "--repeat", str(repeat)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "DO_NOT_TRACK": "1"}, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{mode} at {rows} rows failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(engine: dict, evidently: dict) -> dict:
    ours, theirs = engine["columns"], evidently["columns"]
    same_columns = [c["column"] for c in ours] == [c["column"] for c in theirs]
    verdicts = same_columns and all(
        a["detected"] == b["detected"] and a["method"] == b["method"] and a["threshold"] == b["threshold"]
        for a, b in zip(ours, theirs, strict=True)
    )
    max_diff = max(abs(a["score"] - b["score"]) for a, b in zip(ours, theirs, strict=True))
    return {
        "identical_verdicts": bool(
            verdicts
            and engine["dataset_drift"] == evidently["dataset_drift"]
            and engine["drifted_count"] == evidently["drifted_count"]
        ),
        "max_score_diff": max_diff,
        "drifted": f"{evidently['drifted_count']}/{len(theirs)}",
        "dataset_drift": evidently["dataset_drift"],
        "methods": sorted({c["method"] for c in theirs}),
    }


def machine() -> dict:
    import scipy

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import importlib.metadata as md

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "evidently": md.version("evidently"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="10000,100000,1000000", help="comma-separated row counts")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (Evidently at 1M: once)")
    parser.add_argument("--html-repeat", type=int, default=1)
    parser.add_argument("--json", default=None, help="write all raw figures to this file")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, int(args.rows), args.repeat)))
        return

    report: dict[str, Any] = {
        "machine": machine(),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "sizes": [],
    }
    print(json.dumps(report["machine"]), flush=True)
    for rows in (int(r) for r in args.rows.split(",")):
        ev_repeat = 1 if rows >= 1_000_000 else args.repeat
        entry: dict = {"rows": rows}
        for mode, repeat in (
            ("profile", args.repeat),
            ("engine", args.repeat),
            ("evidently", ev_repeat),
            ("html", args.html_repeat),
        ):
            entry[mode] = run_worker(mode, rows, repeat)
            print(
                f"{rows:>9} {mode:<9} median {statistics.median(entry[mode]['times']):8.3f} s "
                f"peak RSS {entry[mode]['memory']['rss_peak'] / MB:7.0f} MB "
                f"(+{entry[mode]['memory']['added'] / MB:.0f} MB)",
                flush=True,
            )
        entry["equality"] = compare(entry["engine"]["result"], entry["evidently"]["result"])
        two_frames = entry["engine"]["reference_bytes"] + entry["engine"]["current_bytes"]
        entry["summary"] = {
            "two_frames_mb": two_frames / MB,
            "speedup": statistics.median(entry["evidently"]["times"]) / statistics.median(entry["engine"]["times"]),
            "engine_peak_rss_over_frames": entry["engine"]["memory"]["rss_peak"] / two_frames,
            "evidently_peak_rss_over_frames": entry["evidently"]["memory"]["rss_peak"] / two_frames,
        }
        print(json.dumps({"rows": rows, **entry["equality"], **entry["summary"]}), flush=True)
        report["sizes"].append(entry)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        for entry in report["sizes"]:
            for mode in ("engine", "evidently"):
                entry[mode].pop("result", None)
        Path(args.json).write_text(json.dumps(report, indent=2))
    print_markdown(report)


def print_markdown(report: dict) -> None:
    med = statistics.median
    print(
        "\n| rows | Evidently DataDriftPreset | compute_drift | speed-up | profile build (once) | Evidently HTML |"
        " peak RSS Evidently / engine | two frames | identical verdicts | max score diff |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for e in report["sizes"]:
        ev, en = e["evidently"], e["engine"]
        print(
            f"| {e['rows']:,} | {med(ev['times']):.2f} s ({len(ev['times'])} run{'s' if len(ev['times']) > 1 else ''})"
            f" | {med(en['times']):.3f} s | {e['summary']['speedup']:.0f}x | {med(e['profile']['times']):.2f} s"
            f" | {med(e['html']['times']):.2f} s | {ev['memory']['rss_peak'] / MB:,.0f} MB / "
            f"{en['memory']['rss_peak'] / MB:,.0f} MB (+{en['memory']['added'] / MB:,.0f}) "
            f"| {e['summary']['two_frames_mb']:,.0f} MB | {'yes' if e['equality']['identical_verdicts'] else 'NO'}"
            f" ({e['equality']['drifted']}) | {e['equality']['max_score_diff']:.1e} |"
        )


if __name__ == "__main__":
    main()
