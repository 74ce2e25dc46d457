"""/api/v1/schema/ answers 200 to concurrent first requests in a threaded server (issue #15).

drf-spectacular loads its extensions' target classes lazily on the first generation, and its inspectors and warning
counters are shared: two threads generating at once in a fresh worker answered 500 ("'NoneType' object has no
attribute 'startswith'"). The race needs a process that has never generated the schema, so the requests are made in
a fresh one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
THREADS = 6

SCRIPT = f"""
import hashlib, json, threading
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
barrier = threading.Barrier({THREADS})
answers = []
def fetch():
    client = Client(raise_request_exception=False)
    barrier.wait()
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    answers.append((response.status_code, hashlib.sha256(response.content).hexdigest()))
threads = [threading.Thread(target=fetch) for _ in range({THREADS})]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("ANSWERS " + json.dumps(answers))
"""


def test_concurrent_first_requests_for_the_schema_all_get_the_same_schema(tmp_path):
    harness = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL", "CACHE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in harness}
    env.update({"MLOPS_GOV_ENV": "test", "MLOPS_GOV_VAR_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("ANSWERS ")]
    assert result.returncode == 0 and lines, result.stderr[-3000:]
    answers = json.loads(lines[0].removeprefix("ANSWERS "))
    assert [status for status, _ in answers] == [200] * THREADS, result.stderr[-3000:]
    assert len({digest for _, digest in answers}) == 1
