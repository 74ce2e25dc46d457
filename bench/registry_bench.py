"""Registry API benchmark: 1,000 models and 10,000 versions on PostgreSQL, served by gunicorn on 127.0.0.1 and
loaded with wrk (apt-get install -y wrk).

For the model list, the version list and the audit list endpoints it reports requests per second, median latency
and the number of SQL queries per request (counted in-process with Django's test client, same code path).

Run:  .venv/bin/python bench/registry_bench.py [--models 1000] [--versions-per-model 10] [--duration 10]
It creates (and drops first) the database ``mlops_gov_bench_registry`` on 127.0.0.1:5432 as user postgres.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DB_NAME = "mlops_gov_bench_registry"
PG = ["-h", "127.0.0.1", "-U", "postgres"]
ENDPOINTS = {
    "model list": "/api/v1/models/?page_size=50",
    "version list": "/api/v1/versions/?page_size=50",
    "audit list": "/api/v1/audit/?page_size=50",
}


def setup_django() -> dict[str, str]:
    subprocess.run(["dropdb", *PG, "--if-exists", DB_NAME], check=True)
    subprocess.run(["createdb", *PG, DB_NAME], check=True)
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "MLOPS_GOV_ENV": "development",
        "DJANGO_DEBUG": "false",
        "DJANGO_SETTINGS_MODULE": "mlops_gov.settings",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_builtin_data", verbosity=0)
    return env


def populate(n_models: int, per_model: int, n_events: int) -> str:
    """Bulk-create the registry (through the ORM, no per-row services) and a valid audit chain; return a token."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from mlops_gov.roles import ROLE_AUDITOR, ROLE_DATA_SCIENTIST
    from registry.models import ModelCard, ModelVersion, RegisteredModel, Team

    User = get_user_model()
    owner = User.objects.create_user("bench-owner", password=None)
    owner.groups.add(Group.objects.get(name=ROLE_DATA_SCIENTIST))
    reader = User.objects.create_user("bench-reader", password=None)
    reader.groups.add(Group.objects.get(name=ROLE_AUDITOR))
    team = Team.objects.create(name="Bench team")
    team.members.add(owner)
    tiers = ["low", "medium", "high", "critical"]
    now = dt.datetime.now(dt.UTC)
    models = RegisteredModel.objects.bulk_create(
        RegisteredModel(
            name=f"model-{i:04d}",
            description=f"Benchmark model {i}",
            owner=owner,
            team=team,
            risk_tier=tiers[i % 4],
            business_goal="goal",
            success_kpi="kpi",
            tags={"bench": True},
            created_at=now - dt.timedelta(minutes=i),
        )
        for i in range(n_models)
    )
    versions = []
    for m_index, model in enumerate(models):
        for v in range(1, per_model + 1):
            stage = "production" if v == per_model - 1 else "staging" if v == per_model else "archived"
            versions.append(
                ModelVersion(
                    model=model,
                    version=v,
                    source_uri=f"s3://bench/{model.name}/v{v}/model.skops",
                    artifact_sha256=f"{m_index * 100 + v:064x}",
                    framework="scikit-learn",
                    parameters={"C": 1.0, "max_iter": 500},
                    metrics={"accuracy": 0.9 + v / 1000, "f1": 0.88},
                    input_signature={"features": [f"f{k}" for k in range(10)]},
                    training_dataset="sklearn:wine",
                    code_repository="https://git.example.org/bench",
                    code_commit=f"{v:012x}",
                    run_id=f"run-{v}",
                    stage=stage,
                    created_by=owner,
                    created_at=now - dt.timedelta(seconds=m_index * per_model + v),
                )
            )
    ModelVersion.objects.bulk_create(versions, batch_size=2000)
    ModelCard.objects.bulk_create(
        (ModelCard(version=v, intended_use="Benchmark.") for v in ModelVersion.objects.only("pk")), batch_size=2000
    )
    _bulk_audit(n_events)
    return Token.objects.create(user=reader).key


def _bulk_audit(n: int) -> None:
    from bench.audit_bench import _truncate_audit, bulk_load

    _truncate_audit()  # bulk_load writes a fresh chain from the genesis hash
    bulk_load(n)


def count_queries(token: str) -> dict[str, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    counts = {}
    for name, url in ENDPOINTS.items():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        counts[name] = len(ctx.captured_queries)
    return counts


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "mlops_gov.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return proc
        except Exception:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def run_wrk(url: str, token: str, duration: int, connections: int) -> tuple[float, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"Authorization: Token {token}", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found_rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    median = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    if found_rps is None or median is None:
        raise RuntimeError(f"unexpected wrk output: {out[-300:]!r}")
    rps = float(found_rps.group(1))
    value, unit = float(median.group(1)), median.group(2)
    median_ms = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error responses\n{out}")
    return rps, median_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--versions-per-model", type=int, default=10)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="measurements per endpoint; medians are reported")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    env = setup_django()
    token = populate(args.models, args.versions_per_model, args.events)
    from registry.models import AuditEvent, ModelVersion, RegisteredModel

    print(
        f"data: {RegisteredModel.objects.count():,} models, {ModelVersion.objects.count():,} versions, "
        f"{AuditEvent.objects.count():,} audit events",
        flush=True,
    )
    queries = count_queries(token)
    from django.db import connections

    connections.close_all()
    port = free_port()
    proc = start_gunicorn(env, port, args.workers)
    rows = []
    try:
        for path in ENDPOINTS.values():
            run_wrk(f"http://127.0.0.1:{port}{path}", token, 2, args.connections)  # warm-up
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in ENDPOINTS}
        for round_number in range(1, args.rounds + 1):  # rounds interleave the endpoints: noise falls on all alike
            for name, path in ENDPOINTS.items():
                runs[name].append(run_wrk(f"http://127.0.0.1:{port}{path}", token, args.duration, args.connections))
                rps, median_ms = runs[name][-1]
                print(f"round {round_number} {name}: {rps:,.0f} req/s, median {median_ms:.1f} ms", flush=True)
        for name, path in ENDPOINTS.items():
            rps = statistics.median(r for r, _ in runs[name])
            median_ms = statistics.median(m for _, m in runs[name])
            rows.append((name, path, rps, median_ms, queries[name]))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; medians of {args.rounds} rounds")
    print("\n| endpoint | requests/s | median latency | queries/request |\n|---|---|---|---|")
    for name, path, rps, median_ms, q in rows:
        print(f"| {name} `{path}` | {rps:,.0f} | {median_ms:.1f} ms | {q} |")
    if not args.keep:
        connections.close_all()
        subprocess.run(["dropdb", *PG, "--if-exists", DB_NAME], check=False)


if __name__ == "__main__":
    main()
