"""/healthz: database and broker reachability (and, with ?worker=1, a round trip through a live worker)."""

from __future__ import annotations

import time

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unreachable
        return False, f"{type(exc).__name__}: {exc}"[:300]


def _check_broker() -> tuple[bool, str]:
    from kombu import Connection

    from mlops_gov.celery import app

    try:
        options = app.conf.broker_transport_options or {}
        with Connection(app.conf.broker_url, transport_options=options, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:  # noqa: BLE001
        return False, f"{type(exc).__name__}: {exc}"[:300]


def _check_worker(timeout: float = 10.0) -> tuple[bool, str]:
    from mlops_gov.celery import ping

    try:
        started = time.monotonic()
        answer = ping.apply_async().get(timeout=timeout)
        return answer == "pong", f"pong in {time.monotonic() - started:.2f}s"
    except Exception as exc:  # noqa: BLE001
        return False, f"no worker answered: {type(exc).__name__}"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker()}
    if request.GET.get("worker") == "1":
        checks["worker"] = _check_worker()
    healthy = all(ok for ok, _ in checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()},
        "failed": [name for name, (ok, _) in checks.items() if not ok],
    }
    return JsonResponse(body, status=200 if healthy else 503)
