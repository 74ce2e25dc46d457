"""MLflow-compatible registry API benchmark: mlops-gov (gunicorn) against a real MLflow server, side by side.

    .venv/bin/python bench/mlflow_bench.py                          # 1,000 models x 10 versions, 10 s per run
    .venv/bin/python bench/mlflow_bench.py --models 100 --duration 3 --json bench/out/mlflow.json
    .venv/bin/python bench/mlflow_bench.py --write-docs             # also rewrite the section of docs/benchmarks.md

What it does, all on loopback addresses:
1. Creates ``var/bench/mlflow-venv`` (once) with the full ``mlflow`` server package, outside the project's
   requirements.
2. Loads identical data into both: N registered models (``model-0000`` ...), each with 10 versions (v10 in
   Production, v9 in Staging, the rest None), one model tag, one tag per version, alias ``champion`` -> v10.
   mlops-gov: a fresh SQLite database (bulk inserts; the bench user is a plain "data scientist", not a superuser,
   so the permission queries are paid). MLflow: a fresh SQLite database filled through MLflow's own store API.
3. Serves mlops-gov with gunicorn (gthread workers, keep-alive) and MLflow in four configurations: its default
   server (uvicorn), the same with a 60 s worker health-check timeout (by default uvicorn kills a worker that
   misses a 5 s health check, which MLflow's workers do under load), ``--gunicorn-opts`` with gunicorn's default
   sync workers, and gunicorn with the same gthread settings as mlops-gov. Same number of worker processes.
4. Checks every endpoint answers 200 with the same entities on each server, measures one kept-alive connection
   sequentially (this shows the ~40 ms Nagle/delayed-ACK stall of a server that writes a response in two
   segments without TCP_NODELAY), then drives each endpoint with ``wrk`` at 16 connections for a bounded time,
   each cell starting once every server has answered the requests still queued from the previous cell.
Reports requests/s and p50/p99 latency per endpoint and server, and the ratio to MLflow's best configuration.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "var" / "bench"
MLFLOW_VENV = BENCH_DIR / "mlflow-venv"
MLFLOW_VERSION = "3.17.2"
VERSIONS_PER_MODEL = 10
CONNECTIONS = 16
WORKERS = 2
THREADS = 4
# gthread workers keep each kept-alive connection for the whole run, and which worker accepts it is a race: all 16
# of wrk's connections can land on one worker (seen: 16/0, a quarter of the 8/8 throughput), so a cell measured one
# core. Capping each gthread worker at its share splits them evenly; the same for mlops-gov and MLflow's gthread.
WORKER_CONNECTIONS = CONNECTIONS // WORKERS
PROMPT_FILTER = "tag.`mlflow.prompt.is_prompt` != 'true'"  # what MlflowClient.search_registered_models always sends


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- environments and data ------------------------------------------------------------------------------------------


def ensure_mlflow_venv() -> Path:
    python = MLFLOW_VENV / "bin" / "python"
    if (MLFLOW_VENV / "bin" / "mlflow").exists():
        return python
    log(f"creating {MLFLOW_VENV} with mlflow=={MLFLOW_VERSION} (once)")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(MLFLOW_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", f"mlflow=={MLFLOW_VERSION}"], check=True)
    return python


MLOPSGOV_LOAD = r"""
import json, os
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.authtoken.models import Token
from registry.models import ModelAlias, ModelVersion, RegisteredModel

n, per = int(os.environ["BENCH_MODELS"]), int(os.environ["BENCH_VERSIONS"])
user, _ = get_user_model().objects.get_or_create(username="bench")
user.groups.add(Group.objects.get(name="data scientist"))
if not RegisteredModel.objects.exists():
    now = timezone.now()
    models = RegisteredModel.objects.bulk_create(
        [RegisteredModel(name=f"model-{i:04d}", owner=user, description=f"Benchmark model {i}",
                         tags={"team": f"team-{i % 10}"}, created_at=now) for i in range(n)], batch_size=500)
    def stage(v):
        return "production" if v == per else "staging" if v == per - 1 else "none"
    ModelVersion.objects.bulk_create(
        [ModelVersion(model=m, version=v, source_uri=f"s3://bench/{m.name}/{v}", created_by=user, stage=stage(v),
                      tags={"validated": "true"}, created_at=now) for m in models for v in range(1, per + 1)],
        batch_size=1000)
    top = {mv.model_id: mv for mv in ModelVersion.objects.filter(version=per)}
    ModelAlias.objects.bulk_create([ModelAlias(model=m, alias="champion", version=top[m.pk]) for m in models])
token, _ = Token.objects.get_or_create(user=user)
print("BENCH_TOKEN=" + token.key)
"""

MLFLOW_LOAD = r"""
import os, sqlite3, sys, time
from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore
n, per = int(os.environ["BENCH_MODELS"]), int(os.environ["BENCH_VERSIONS"])
SqlAlchemyStore("sqlite:///" + sys.argv[1])  # creates MLflow's schema (its migrations)
now = int(time.time() * 1000)
names = [f"model-{i:04d}" for i in range(n)]
stage = lambda v: "Production" if v == per else "Staging" if v == per - 1 else "None"
db = sqlite3.connect(sys.argv[1])
with db:  # bulk rows exactly as the store writes them (workspace 'default')
    db.executemany("INSERT INTO registered_models (workspace, name, creation_time, last_updated_time, description) "
                   "VALUES ('default', ?, ?, ?, ?)",
                   [(nm, now, now, f"Benchmark model {i}") for i, nm in enumerate(names)])
    db.executemany("INSERT INTO registered_model_tags (workspace, name, key, value) VALUES ('default', ?, 'team', ?)",
                   [(nm, f"team-{i % 10}") for i, nm in enumerate(names)])
    db.executemany("INSERT INTO model_versions (workspace, name, version, creation_time, last_updated_time, "
                   "description, current_stage, source, storage_location, status) "
                   "VALUES ('default', ?, ?, ?, ?, '', ?, ?, ?, 'READY')",
                   [(nm, v, now, now, stage(v), f"s3://bench/{nm}/{v}", f"s3://bench/{nm}/{v}")
                    for nm in names for v in range(1, per + 1)])
    db.executemany("INSERT INTO model_version_tags (workspace, name, version, key, value) "
                   "VALUES ('default', ?, ?, 'validated', 'true')",
                   [(nm, v) for nm in names for v in range(1, per + 1)])
    db.executemany("INSERT INTO registered_model_aliases (workspace, name, alias, version) "
                   "VALUES ('default', ?, 'champion', ?)", [(nm, per) for nm in names])
print("loaded", n)
"""


def mlopsgov_env(db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "MLOPS_GOV_ENV": "development",
        "DJANGO_DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "AXES_ENABLED": "false",
    }


def load_mlopsgov(db: Path, models: int) -> str:
    env = {**mlopsgov_env(db), "BENCH_MODELS": str(models), "BENCH_VERSIONS": str(VERSIONS_PER_MODEL)}
    manage = [str(ROOT / ".venv" / "bin" / "python"), str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    out = subprocess.run(
        [*manage, "shell", "-c", MLOPSGOV_LOAD], env=env, check=True, cwd=ROOT, capture_output=True, text=True
    ).stdout
    found = re.search(r"BENCH_TOKEN=(\w+)", out)
    if found is None:
        raise RuntimeError(f"the loader printed no token: {out[-300:]!r}")
    return found.group(1)


def load_mlflow(python: Path, db: Path, models: int) -> None:
    env = {**os.environ, "BENCH_MODELS": str(models), "BENCH_VERSIONS": str(VERSIONS_PER_MODEL)}
    subprocess.run(
        [str(python), "-c", MLFLOW_LOAD, str(db)], env=env, check=True, cwd=BENCH_DIR, stdout=subprocess.DEVNULL
    )


# --- servers --------------------------------------------------------------------------------------------------------


class Server:
    def __init__(self, label: str, argv: list[str], env: dict[str, str], port: int, headers: dict[str, str]):
        self.label, self.argv, self.env, self.port, self.headers = label, argv, env, port, headers
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        self.log_path = BENCH_DIR / f"server-{re.sub(r'[^a-z0-9]+', '-', self.label.lower())}.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            self.argv, env=self.env, cwd=BENCH_DIR, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def wait_ready(self, timeout: float = 600) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"{self.label} exited; see {self.log_path}")
            try:
                status, _ = self.request("/api/2.0/mlflow/registered-models/get?name=model-0000")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(1)
        raise RuntimeError(f"{self.label} did not start; see {self.log_path}")

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
        self._log.close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=self.headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def keepalive_latencies(self, path: str, count: int = 5) -> list[float]:
        """Sequential requests on one kept-alive connection (reconnecting only if the server closes it)."""
        times = []
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        for _ in range(count):
            start = time.perf_counter()
            conn.request("GET", path, headers=self.headers)
            response = conn.getresponse()
            response.read()
            times.append((time.perf_counter() - start) * 1000)
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        conn.close()
        return times


def mlopsgov_server(db: Path, token: str) -> Server:
    port = free_port()
    argv = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "mlops_gov.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--keep-alive",
        "30",
        "--worker-connections",
        str(WORKER_CONNECTIONS),
        "--chdir",
        str(ROOT),
    ]
    return Server("mlops-gov (gunicorn gthread)", argv, mlopsgov_env(db), port, {"Authorization": f"Bearer {token}"})


def mlflow_servers(python: Path, db: Path) -> list[Server]:
    mlflow = str(python.parent / "mlflow")
    env = {**os.environ, "MLFLOW_ENABLE_TELEMETRY": "false", "DO_NOT_TRACK": "1"}
    servers = []
    for label, extra in (
        ("MLflow default (uvicorn)", ["--workers", str(WORKERS)]),
        # uvicorn kills a worker that misses its 5 s health check; MLflow's slow handlers do on a busy machine.
        (
            "MLflow uvicorn, 60 s healthcheck",
            ["--workers", str(WORKERS), "--uvicorn-opts", "--timeout-worker-healthcheck 60"],
        ),
        ("MLflow --gunicorn-opts (sync)", ["--gunicorn-opts", f"--workers {WORKERS} --keep-alive 30"]),
        (
            "MLflow --gunicorn-opts (gthread)",
            [
                "--gunicorn-opts",
                f"--workers {WORKERS} --worker-class gthread --threads {THREADS} --keep-alive 30 "
                f"--worker-connections {WORKER_CONNECTIONS}",
            ],
        ),
    ):
        port = free_port()
        argv = [
            mlflow,
            "server",
            "--backend-store-uri",
            f"sqlite:///{db}",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--default-artifact-root",
            str(BENCH_DIR / "mlflow-artifacts"),
            *extra,
        ]
        servers.append(Server(label, argv, env, port, {}))
    return servers


# --- load generation ------------------------------------------------------------------------------------------------


def endpoints(models: int) -> list[tuple[str, str]]:
    name = f"model-{models // 2:04d}"
    q = urllib.parse.urlencode
    return [
        (
            "registered-models/search (100)",
            "registered-models/search?" + q({"filter": PROMPT_FILTER, "max_results": 100}),
        ),
        (
            "model-versions/search (1 model)",
            "model-versions/search?" + q({"filter": f"name='{name}'", "max_results": 10000}),
        ),
        ("registered-models/get", "registered-models/get?" + q({"name": name})),
        ("registered-models/alias", "registered-models/alias?" + q({"name": name, "alias": "champion"})),
    ]


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise RuntimeError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run_wrk(server: Server, path: str, duration: int) -> dict[str, Any]:
    headers = [arg for key, value in server.headers.items() for arg in ("-H", f"{key}: {value}")]
    url = f"{server.base}/api/2.0/mlflow/{path}"
    subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", "-d2s", *headers, url], capture_output=True, check=True)
    argv = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "30s", "--latency", *headers, url]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rps is None:
        raise RuntimeError(f"wrk printed no Requests/sec: {out[-300:]!r}")
    result: dict[str, Any] = {"rps": float(rps.group(1))}
    for pct in ("50", "99"):
        found = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        result[f"p{pct}"] = _ms(found.group(1)) if found else float("nan")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["errors"] = int(bad.group(1)) if bad else 0
    errors = re.search(r"Socket errors: (.*)", out)
    result["socket_errors"] = errors.group(1).strip() if errors else ""
    return result


def _entities(body: bytes) -> object:
    """The comparable content of an answer: names, versions, stages, aliases (timestamps differ)."""
    data = json.loads(body)

    def version(v, with_aliases=True):
        aliases = sorted(v.get("aliases", [])) if with_aliases else []
        return (v["name"], v["version"], v["current_stage"], v["source"], aliases)

    # MLflow lists no aliases inside latest_versions; mlops-gov does: compare without them there.

    if "registered_models" in data:
        return [
            (m["name"], sorted(version(v, False) for v in m.get("latest_versions", [])))
            for m in data["registered_models"]
        ]
    if "model_versions" in data:
        return sorted(version(v, False) for v in data["model_versions"])
    if "registered_model" in data:
        m = data["registered_model"]
        return (
            m["name"],
            sorted(version(v, False) for v in m.get("latest_versions", [])),
            sorted((a["alias"], a["version"]) for a in m.get("aliases", [])),
        )
    return version(data["model_version"])


def wait_all_idle(servers: list[Server]) -> None:
    """Every server, not only the next one, must have worked off the queue the previous cell's load left (a slow
    server answers its last queued requests for seconds after wrk stops, taking CPU from the next cell)."""
    for server in servers:
        with contextlib.suppress(OSError, http.client.HTTPException):
            server.request("/api/2.0/mlflow/registered-models/get?name=model-0000", timeout=300)


def measure(server: Server, label: str, path: str, duration: int, reference: dict[str, object], first: bool) -> dict:
    # A slow server may still be working through the previous endpoint's queued requests: wait until it is idle.
    server.request("/api/2.0/mlflow/registered-models/get?name=model-0000", timeout=300)
    status, body = server.request(f"/api/2.0/mlflow/{path}", timeout=120)
    if status != 200:
        raise RuntimeError(f"HTTP {status} {body[:300]!r}")
    entities = _entities(body)
    if label in reference and reference[label] != entities:
        raise RuntimeError(f"answers differently from mlops-gov: {str(entities)[:300]} / {str(reference[label])[:300]}")
    reference.setdefault(label, entities)
    keepalive = server.keepalive_latencies(f"/api/2.0/mlflow/{path}") if first else [float("nan")]
    measured = run_wrk(server, path, duration)
    measured["keepalive_p50"] = statistics.median(keepalive)
    measured["bytes"] = len(body)
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per endpoint and server")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all servers; medians are reported")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--write-docs", action="store_true", help="rewrite the section in docs/benchmarks.md")
    args = parser.parse_args()
    args.load_before = os.getloadavg()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers (context managers) on SIGTERM
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    python = ensure_mlflow_venv()
    gov_db, mlflow_db = BENCH_DIR / "mlopsgov-bench.sqlite3", BENCH_DIR / "mlflow-bench.sqlite3"
    for path in BENCH_DIR.glob("*-bench.sqlite3*"):
        path.unlink()
    log(f"loading {args.models} models x {VERSIONS_PER_MODEL} versions into mlops-gov")
    token = load_mlopsgov(gov_db, args.models)
    log(f"loading {args.models} models x {VERSIONS_PER_MODEL} versions into MLflow (its store API)")
    load_mlflow(python, mlflow_db, args.models)

    calls = endpoints(args.models)
    servers = [mlopsgov_server(gov_db, token), *mlflow_servers(python, mlflow_db)]
    results: dict[str, dict[str, dict]] = {server.label: {} for server in servers}
    rounds: dict[tuple[str, str], list[dict]] = {}
    reference: dict[str, object] = {}
    with contextlib.ExitStack() as stack:
        # All servers run at once and each round visits every server in turn, so the machine's background load
        # (shared, noisy) falls on all of them alike; the median over rounds is reported.
        for server in servers:
            log(f"starting {server.label}")
            stack.enter_context(server)
        for server in servers:
            server.wait_ready()
        log("all servers answer")
        for round_no in range(args.rounds):
            for label, api_path in calls:
                for server in servers:
                    if "failed" in results[server.label].get(label, {}):
                        continue
                    wait_all_idle(servers)
                    try:
                        measured = measure(server, label, api_path, args.duration, reference, first=round_no == 0)
                    except (OSError, http.client.HTTPException, RuntimeError, subprocess.CalledProcessError) as exc:
                        results[server.label][label] = {"failed": f"{type(exc).__name__}: {str(exc)[:300]}"}
                        log(f"  {server.label:34s} {label:32s} FAILED {results[server.label][label]['failed']}")
                        continue
                    rounds.setdefault((server.label, label), []).append(measured)
                    log(
                        f"  r{round_no} {server.label:34s} {label:32s} {measured['rps']:8.1f} req/s  "
                        f"p50 {measured['p50']:7.2f} ms  p99 {measured['p99']:7.2f} ms  errors {measured['errors']}"
                    )
        for (server_label, label), measured_rounds in rounds.items():
            if "failed" in results[server_label].get(label, {}):
                continue
            first = measured_rounds[0]
            results[server_label][label] = {
                "rps": statistics.median(m["rps"] for m in measured_rounds),
                "p50": statistics.median(m["p50"] for m in measured_rounds),
                "p99": statistics.median(m["p99"] for m in measured_rounds),
                "errors": sum(m["errors"] for m in measured_rounds),
                "keepalive_p50": first["keepalive_p50"],
                "bytes": first["bytes"],
                "rounds": measured_rounds,
            }
    args.load_after = os.getloadavg()
    report = render(results, calls, args)
    print("\n" + report)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"results": results, "args": vars(args) | {"json": str(args.json)}}, indent=2))
    if args.write_docs:
        write_docs(report)
    return 0


def _load(averages: tuple[float, float, float]) -> str:
    return "/".join(f"{value:.1f}" for value in averages) + " (1/5/15 min)"


def render(results: dict[str, dict[str, dict]], calls: list[tuple[str, str]], args) -> str:
    gov = next(label for label in results if label.startswith("mlops-gov"))
    mlflow_labels = [label for label in results if label != gov]
    lines = [
        f"Run: `.venv/bin/python bench/mlflow_bench.py --models {args.models} --duration {args.duration} "
        f"--rounds {args.rounds}` "
        f"({time.strftime('%Y-%m-%d')}, {platform.python_version()}, {os.cpu_count()} cores shared with other work; "
        f"MLflow {MLFLOW_VERSION}; load average {_load(args.load_before)} before the run, "
        f"{_load(args.load_after)} at its end with its own servers and wrk). "
        f"{args.models:,} registered models x {VERSIONS_PER_MODEL} versions, the same data in both (SQLite each), "
        f"`wrk` at {CONNECTIONS} connections for {args.duration} s per cell, "
        f"all servers running at once, {args.rounds} rounds over all servers, medians reported, "
        f"{WORKERS} worker processes per server (gthread: {THREADS} threads and at most {WORKER_CONNECTIONS} "
        "connections each, so wrk's connections split evenly). mlops-gov is called with a "
        "bearer token of a non-superuser role, authenticated and permission-checked on every request (the token "
        "and role are read from the database when the worker's auth cache misses, every 5 s at most; see "
        "`registry/mlflow_api/authentication.py`); MLflow without auth. "
        "The search runs with the filter the stock client always sends "
        "(`` tag.`mlflow.prompt.is_prompt` != 'true' ``). \"1-conn\" is the median of 5 sequential requests on "
        "one kept-alive connection.",
        "",
        "| endpoint | server | req/s | p50 ms | p99 ms | 1-conn p50 ms | vs best MLflow (req/s) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, _ in calls:
        rates = [results[m][label].get("rps", 0.0) for m in mlflow_labels]
        best = max(rates) if rates else 0.0
        for server in [gov, *mlflow_labels]:
            r = results[server][label]
            if "failed" in r:
                lines.append(f"| {label} | {server} | failed: {r['failed'][:80]} | | | | |")
                continue
            if server == gov:
                ratio = f"**{r['rps'] / best:.1f}x**" if best else "n/a"
            else:
                ratio = "best" if r["rps"] == best else ""
            errors = f" ({r['errors']} non-200)" if r["errors"] else ""
            lines.append(
                f"| {label} | {server}{errors} | {r['rps']:,.1f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                f"{r['keepalive_p50']:.1f} | {ratio} |"
            )
    return "\n".join(lines)


def write_docs(report: str) -> None:
    docs = ROOT / "docs" / "benchmarks.md"
    text = docs.read_text()
    heading = "## MLflow-compatible registry API"
    start = text.index(heading) + len(heading)
    following = text.find("\n## ", start)
    end = len(text) if following == -1 else following
    notes = textwrap.dedent(
        """
        How: `bench/mlflow_bench.py` (see its docstring). Every mlops-gov endpoint answers in a constant number of
        queries whatever the page size (asserted in `tests/mlflow_api/test_api.py::test_constant_number_of_queries`).
        mlops-gov runs under gunicorn with gthread workers, which keep connections alive and set TCP_NODELAY, so a
        kept-alive connection gets each response without the ~40 ms delayed-ACK stall.
        """
    ).strip()
    docs.write_text(text[:start] + "\n" + notes + "\n\n" + report + "\n" + text[end:])


if __name__ == "__main__":
    sys.exit(main())
