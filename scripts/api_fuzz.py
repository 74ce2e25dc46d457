"""The API under Schemathesis, as every role, against a live server: a bounded, blocking stage of .ci/run (issue #15).

    .venv/bin/python scripts/api_fuzz.py [--examples N] [--seed S] [--roles auditor,approver,...] [--budget SECONDS]

A fresh embedded instance (SQLite, its own var directory) gets the demo users and one API token per role, a gunicorn
server is started on it, and Schemathesis runs every operation of /api/v1/schema/ once per role with a fixed seed and
a fixed number of examples per operation, with the checks the issue names. The roles other than the superuser run at
the same time; the superuser (whose deletions would take away what the others test) runs after them. The allowances
are in scripts/api_fuzz.toml, each with its reason (README, 'API fuzzing'). Exit 0 only with zero failures within
the budget; the cases, failures and run time are printed.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import IO

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
LAST = "superuser"  # runs alone, after the others: it may delete what they test
CONFIG = Path(__file__).with_suffix(".toml")


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
import time
from django.core.management import call_command
started = time.monotonic()
if {fresh!r}:
    call_command("bootstrap", no_demo=True)
    print(f"TIME bootstrap {{time.monotonic() - started:.0f}}")
    # The demo logins' roles, without their passwords (hashing them is seconds the fuzzing does not need: it uses
    # tokens). Same usernames and groups as create_demo_users.
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from mlops_gov.management.commands.create_demo_users import DEMO_USERS
    for username, first, last, role, is_superuser in DEMO_USERS:
        user = get_user_model().objects.create_user(
            username, f"{{username}}@example.org", None, is_staff=True, is_superuser=is_superuser
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
    print(f"TIME users {{time.monotonic() - started:.0f}}")
else:
    call_command("migrate", interactive=False, verbosity=0)
# The schema the server serves, written once here: the fuzzing reads it from the file, so no worker has to
# generate it (seconds each) while the clock runs.
call_command("spectacular", file={schema!r}, format="openapi-json")
print(f"TIME schema {{time.monotonic() - started:.0f}}")
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from registry import services
from registry.models import Team
User = get_user_model()
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


def summary(output: str) -> tuple[int, int]:
    """(cases, unique failures) from Schemathesis's last lines."""
    found = re.search(r"(\d+) generated, (?:(\d+) found (\d+) unique failures?|\d+ passed)", output)
    if found is None:
        return 0, -1
    return int(found.group(1)), int(found.group(3) or 0)


def fuzz(
    role: str, base: str, token: str, options: argparse.Namespace, var: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[str], IO[str]]:
    log = (var / f"fuzz-{ROLES[role]}.log").open("w+")
    process = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "schemathesis"), "--config-file", str(CONFIG), "--no-color",
            "run", str(var / "schema.json"), "--url", base,
            "--header", f"Authorization: Token {token}",
            "--checks", ",".join(CHECKS),
            "--seed", str(options.seed),
            "--max-examples", str(options.examples),
            "--generation-database", "none",
            "--workers", str(options.workers),
            "--request-timeout", "60",
            "--output-truncate", "true",
        ],
        cwd=var, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    return process, log


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=int(os.environ.get("API_FUZZ_EXAMPLES", "3")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("API_FUZZ_SEED", "15")))
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--port", type=int, default=0)
    # One worker per role: the roles run side by side already, and Hypothesis's caches are not thread-safe (two
    # workers once failed a role with an internal KeyError while drawing a body, no request involved).
    parser.add_argument("--workers", type=int, default=1, help="Schemathesis workers per role")
    parser.add_argument(
        "--budget", type=int, default=int(os.environ.get("API_FUZZ_BUDGET", "290")),
        help="seconds for the whole run, set-up included: a role still running then is stopped and fails",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the instance's var directory")
    parser.add_argument("--var", type=Path, help="reuse this var directory (set up on first use; implies --keep)")
    options = parser.parse_args()
    roles = [role.strip() for role in options.roles.split(",") if role.strip()]
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        sys.exit(f"unknown role(s) {unknown}; choose from {list(ROLES)}")
    waves = [[role for role in roles if role != LAST], [role for role in roles if role == LAST]]

    started = time.monotonic()
    deadline = started + options.budget
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
    schema = var / "schema.json"
    printed = manage(
        env, "shell", "-c", SEED_SCRIPT.format(fresh=fresh, schema=str(schema), names=list(ROLES.values()))
    )
    print(
        "== set-up:",
        ", ".join(" ".join(line.split()[1:]) + " s" for line in printed.splitlines() if line.startswith("TIME ")),
    )
    tokens = dict(line.split()[1:] for line in printed.splitlines() if line.startswith("TOKEN "))
    port = options.port or free_port()
    server_log = (var / "server.log").open("ab")
    base = f"http://127.0.0.1:{port}"
    # One sync worker per concurrent Schemathesis worker: no request waits behind another role's.
    server_workers = max(2, options.workers * max(len(wave) for wave in waves))
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "mlops_gov.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(server_workers),
         "--threads", "1", "--worker-class", "sync", "--timeout", "120", "--log-level", "warning",
         "--preload"],  # the workers fork from one process that imported the project once
        cwd=ROOT, env=env, start_new_session=True,
        stdout=server_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    results: dict[str, tuple[int, int, float, str]] = {}  # role -> cases, failures, seconds, note
    try:
        wait_for(f"{base}/healthz")
        print(
            f"== set-up done in {time.monotonic() - started:.0f} s; seed {options.seed}, {options.examples} examples/op"
        )
        for wave in filter(None, waves):
            wave_started = time.monotonic()
            running = {role: fuzz(role, base, tokens[ROLES[role]], options, var, env) for role in wave}
            for role, (process, log) in running.items():
                note = ""
                try:
                    process.wait(timeout=max(1.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                    note = f"stopped at the {options.budget} s budget"
                log.seek(0)
                output = log.read()
                log.close()
                print(f"== schemathesis as {role} ({ROLES[role]})")
                for line in output.splitlines():  # long tracebacks and bodies are cut: the summary is what matters
                    print(line[:400])
                cases, failures = summary(output)
                if process.returncode != 0 and failures == 0:
                    failures = -1  # failed without a summary (an error, or stopped)
                results[role] = (cases, failures, time.monotonic() - wave_started, note)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if not (options.keep or options.var):
            shutil.rmtree(var, ignore_errors=True)
    elapsed = time.monotonic() - started
    print("== API fuzzing summary (role: cases, unique failures, seconds)")
    for role, (cases, failures, seconds, note) in results.items():
        shown = "error" if failures < 0 else str(failures)
        print(f"   {role:15} {cases:6} {shown:>6} {seconds:6.0f}  {note}")
    cases = sum(r[0] for r in results.values())
    failed = [role for role, r in results.items() if r[1] != 0]
    if failed or len(results) < len(roles):
        print(
            f"API fuzzing: FAILED as {', '.join(failed) or 'a role that did not run'}; {cases} cases in {elapsed:.0f} s"
        )
        return 1
    print(f"API fuzzing: no failure as {', '.join(roles)}; {cases} cases in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
