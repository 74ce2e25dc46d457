"""The Celery application. Tasks stay thin: load by id, call a service (HackSoft style)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlops_gov.settings")
os.environ.setdefault("DO_NOT_TRACK", "1")

app = Celery("mlops_gov")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="mlops_gov.ping")
def ping() -> str:
    """Round-trip health probe: answered by any live worker."""
    return "pong"
