"""The API under Schemathesis, as every role, against a live server: a bounded stage of .ci/run (issue #15).

    .venv/bin/python scripts/api_fuzz.py [--examples N] [--seed S] [--roles auditor,approver,...] [--port P]

A fresh embedded instance (SQLite, its own var directory) gets the demo data and one API token per role, a gunicorn
server is started on it, and Schemathesis runs every operation of /api/v1/schema/ once per role with a fixed seed and
a fixed number of examples per operation, with the checks the issue names. Roles that only read run first and the
superuser last, so the data each role sees is still there. Exit 0 only with zero failures; the run time is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
]
# username of the demo user standing for each role (mlops_gov/management/commands/create_demo_users.py)
ROLES = {"auditor": "aud", "approver": "ava", "data scientist": "dana", "ML engineer": "eli", "superuser": "admin"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


SEED_SCRIPT = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from registry import services
from registry.models import Team
User = get_user_model()
if not User.objects.filter(username="admin").exists():
    User.objects.create_superuser("admin", "admin@example.org", "fuzz-admin-password-1")
dana, eli = User.objects.get(username="dana"), User.objects.get(username="eli")
team, _ = Team.objects.get_or_create(name="Fuzz team")
team.members.add(dana, eli)
for name in ("credit", "churn") if not Team.objects.get(name="Fuzz team").models.exists() else ():
    model = services.model_create(actor=dana, name=name, team=team, description="Seeded for the API fuzzing.")
    for n in (1, 2):
        version = services.version_create(model=model, actor=dana, source_uri=f"s3://fuzz/{{name}}/{{n}}")
        services.card_update(version=version, actor=dana, intended_use="Fuzzing.")
    services.alias_set(model=model, alias="candidate", version=version, actor=dana)
for name in {names!r}:
    print("TOKEN", name, Token.objects.get_or_create(user=User.objects.get(username=name))[0].key)
"""


def wait_for(url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"the server did not answer {url} within {seconds:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=int(os.environ.get("API_FUZZ_EXAMPLES", "3")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("API_FUZZ_SEED", "15")))
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--budget", type=int, default=int(os.environ.get("API_FUZZ_BUDGET", "600")),
        help="seconds for all roles together: each role gets an equal share of what is left, then is stopped",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the instance's var directory")
    parser.add_argument("--var", type=Path, help="reuse this var directory (set up on first use; implies --keep)")
    options = parser.parse_args()
    roles = [role.strip() for role in options.roles.split(",") if role.strip()]
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        sys.exit(f"unknown role(s) {unknown}; choose from {list(ROLES)}")

    started = time.monotonic()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the server on the way out (finally below)
    var = options.var or Path(tempfile.mkdtemp(prefix="mlops-gov-fuzz-"))
    fresh = not (var / "fuzz.sqlite3").exists()
    var.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "MLOPS_GOV_ENV": "development",
        "MLOPS_GOV_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'fuzz.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("CACHE_URL", "MEDIA_ROOT"):
        env.pop(name, None)
    if fresh:
        manage(env, "bootstrap", "--no-demo")
        manage(env, "create_demo_users")
    else:
        manage(env, "migrate", "--noinput")
    printed = manage(env, "shell", "-c", SEED_SCRIPT.format(names=list(ROLES.values())))
    tokens = dict(line.split()[1:] for line in printed.splitlines() if line.startswith("TOKEN "))
    port = options.port or free_port()
    server_log = (var / "server.log").open("ab")
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "mlops_gov.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--threads", "1", "--worker-class", "sync", "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
        stdout=server_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    failed_roles: list[str] = []
    try:
        wait_for(f"{base}/api/v1/schema/")
        budget_ends = time.monotonic() + options.budget
        for index, role in enumerate(roles):
            role_started = time.monotonic()
            role_timeout = max(30.0, (budget_ends - role_started) / (len(roles) - index))
            print(f"== schemathesis as {role} ({ROLES[role]}), seed {options.seed}, {options.examples} examples/op")
            result = subprocess.Popen(
                [
                    str(Path(PYTHON).parent / "schemathesis"), "run", f"{base}/api/v1/schema/",
                    "--header", f"Authorization: Token {tokens[ROLES[role]]}",
                    "--checks", ",".join(CHECKS),
                    "--seed", str(options.seed),
                    "--max-examples", str(options.examples),
                    "--generation-database", "none",
                    "--workers", "2",
                    "--request-timeout", "30",
                    "--no-color",
                    "--output-truncate", "true",
                ],
                cwd=var, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )  # fmt: skip
            assert result.stdout is not None
            for line in result.stdout:  # long tracebacks and bodies are cut: the summary is what matters
                print(line.rstrip("\n")[:400], flush=True)
            try:
                result.wait(timeout=role_timeout)
            except subprocess.TimeoutExpired:
                result.kill()
                result.wait()
                print(f"== {role}: stopped after its share of the budget ({role_timeout:.0f} s)")
            print(f"== {role}: exit {result.returncode} in {time.monotonic() - role_started:.0f} s")
            if result.returncode != 0:
                failed_roles.append(role)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if not (options.keep or options.var):
            shutil.rmtree(var, ignore_errors=True)
    elapsed = time.monotonic() - started
    if failed_roles:
        print(f"API fuzzing: failures as {', '.join(failed_roles)} ({elapsed:.0f} s)")
        return 1
    print(f"API fuzzing: no failure as {', '.join(roles)} ({elapsed:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
