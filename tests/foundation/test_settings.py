"""Settings come from the environment; a bad value stops start-up with one line naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "MLOPS_GOV_ENV": "production",
    "SECRET_KEY": "x7Jq2v9LmP4rT8wZ1nB6cF3hK5sD0gY-aE_uR2iO9pW4tQ7zX1vN3mC8bL6kJ5hG",
    "ALLOWED_HOSTS": "governance.example.org",
    "DATABASE_URL": "postgres://mlops:secret@db.example.org:5432/mlops_gov",
    "CELERY_BROKER_URL": "redis://redis.example.org:6379/0",
}


def run_manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    # A clean environment: none of the production variables, nor the test harness's (e.g. the async-unsafe flag
    # that the browser fixture sets for Playwright).
    harness = {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "CELERY_BROKER_URL", "CACHE_URL"}
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in harness}
    clean.update({"MLOPS_GOV_VAR_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("DJANGO_DEBUG", "maybe", "DJANGO_DEBUG must be a boolean"),
        ("DATABASE_URL", "nosuchdb://x", "DATABASE_URL is malformed"),
        ("CELERY_BROKER_URL", "kafka://broker:9092", "CELERY_BROKER_URL has an unsupported scheme"),
        ("MLOPS_GOV_ENV", "staging", "MLOPS_GOV_ENV must be one of"),
        ("UPLOAD_MAX_BYTES", "ten", "UPLOAD_MAX_BYTES must be an integer"),
        ("EMAIL_PORT", "0", "EMAIL_PORT must be at least 1"),
    ],
)
def test_a_malformed_value_gives_one_line_naming_the_variable(tmp_path, variable, value, expected):
    result = run_manage("check", env={variable: value}, tmp_path=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [f"configuration error: {lines[0].split(': ', 1)[1]}"]
    assert expected in result.stderr and variable in result.stderr


def _signing_key(tmp_path: Path) -> dict[str, str]:
    from registry.domain.checkpoint import generate_private_key_pem

    path = tmp_path / "audit-signing.pem"
    path.write_bytes(generate_private_key_pem())
    return {"AUDIT_SIGNING_KEY_FILE": str(path)}


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "AUDIT_SIGNING_KEY_FILE"])
def test_production_requires_secret_key_and_allowed_hosts(tmp_path, missing):
    env = {k: v for k, v in {**PRODUCTION_ENV, **_signing_key(tmp_path)}.items() if k != missing}
    result = run_manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode == 2
    assert missing in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_production_refuses_an_unreadable_signing_key(tmp_path):
    env = {**PRODUCTION_ENV, "AUDIT_SIGNING_KEY_FILE": str(tmp_path / "nowhere.pem")}
    result = run_manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode == 2 and "AUDIT_SIGNING_KEY_FILE points at no readable file" in result.stderr


def test_check_deploy_with_documented_production_settings_reports_zero_warnings(tmp_path):
    env = {**PRODUCTION_ENV, **_signing_key(tmp_path)}
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_embedded_default_generates_and_keeps_a_secret_key(tmp_path):
    first = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", env={}, tmp_path=tmp_path
    )
    second = run_manage(
        "shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)", env={}, tmp_path=tmp_path
    )
    key = first.stdout.strip().splitlines()[-1]
    assert len(key) >= 50
    assert second.stdout.strip().splitlines()[-1] == key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
