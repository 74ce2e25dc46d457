"""A real worker answers the health task; a real browser logs in as each role."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from mlops_gov.celery import ping
from tests.fixtures.browser import login

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_a_real_worker_answers_the_health_task(celery_worker, client):
    assert ping.apply_async(queue=celery_worker.queue).get(timeout=30) == "pong"
    response = client.get("/healthz?worker=1")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["worker"]["ok"] is True


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["data scientist", "ML engineer", "approver", "auditor"])
def test_each_role_logs_in_and_sees_the_dashboard(page, live_server, builtin_data, role):
    user = get_user_model().objects.create_user(username=f"u{abs(hash(role)) % 10000}", password="Browser-pass-123")
    user.groups.add(Group.objects.get(name=role))
    login(page, live_server.url, user.username, "Browser-pass-123")
    # The dashboard opens with what needs this person, then the portfolio.
    assert page.locator("h1").inner_text() == "What needs you"
    assert page.get_by_role("heading", name="Portfolio").count() == 1
    assert page.get_by_test_id("current-user").inner_text() == user.username
    assert page.get_by_test_id("dashboard-cards").locator(".card").count() >= 3


def _children_of(pid: int) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid or int(fields[3]) == pid:  # parent or process group
                found.append(int(proc.name))
    return found


@pytest.mark.integration
def test_supervisor_serves_and_ctrl_c_leaves_no_process_behind(tmp_path):
    env = {
        **os.environ,
        "MLOPS_GOV_ENV": "development",
        "MLOPS_GOV_VAR_DIR": str(tmp_path),
        "MLOPS_GOV_BIND": "127.0.0.1:8765",
    }
    env.pop("DATABASE_URL", None)
    env.pop("CELERY_BROKER_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    # A schedule for beat: proves the embedded beat really sends (it did not when embedded in the worker with -B).
    schedule = (
        "from django_celery_beat.models import IntervalSchedule, PeriodicTask;"
        "s, _ = IntervalSchedule.objects.get_or_create(every=1, period='seconds');"
        "PeriodicTask.objects.create(name='beat-probe', task='mlops_gov.ping', interval=s)"
    )
    subprocess.run([sys.executable, "manage.py", "shell", "-c", schedule], cwd=ROOT, env=env, check=True, timeout=120)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlops_gov.supervisor"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        body = b""
        while time.monotonic() < deadline:
            try:
                body = urllib.request.urlopen("http://127.0.0.1:8765/healthz?worker=1", timeout=15).read()
                break
            except OSError:
                time.sleep(1)
        assert b'"worker": {"ok": true' in body, body
        login_page = urllib.request.urlopen("http://127.0.0.1:8765/login/", timeout=10).read()
        assert b"Log in to mlops-gov" in login_page
        count_beats = (
            "from django_celery_results.models import TaskResult as T;"
            "print(T.objects.filter(task_name='mlops_gov.ping', periodic_task_name='beat-probe').count())"
        )
        beats = 0
        while beats == 0 and time.monotonic() < deadline + 30:
            out = subprocess.run(
                [sys.executable, "manage.py", "shell", "-c", count_beats],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            beats = int(out.stdout.strip().splitlines()[-1])
            time.sleep(1)
        assert beats >= 1, "beat never delivered the scheduled task to the worker"
        descendants = _children_of(proc.pid)
        assert len(descendants) >= 3
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
    time.sleep(1)
    alive = [
        pid
        for pid in descendants
        if Path(f"/proc/{pid}").exists()
        and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    ]
    assert alive == []
