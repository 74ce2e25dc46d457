"""Built-in data of the monitoring app: the periodic sweep schedule (re-created if an operator deleted it)."""

from __future__ import annotations

SWEEP_NAME = "monitoring: sweep (due checks, stale data, retries)"


def load() -> str:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
    _, created = PeriodicTask.objects.get_or_create(
        name=SWEEP_NAME, defaults={"task": "monitoring.sweep", "interval": every, "enabled": True}
    )
    return "periodic sweep created" if created else ""
