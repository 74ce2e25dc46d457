"""Built-in data of the assessments app: the maturity frameworks (``assessments/frameworks/*.yaml``), loaded
all-or-nothing and idempotently (an unchanged file is a no-op, a changed file becomes a new framework version), and
the daily measuring schedule (re-created if an operator deleted it)."""

from __future__ import annotations

from assessments import services

MEASURE_NAME = "assessments: measure maturity from evidence (daily)"


def _schedule() -> bool:
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    daily, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*"
    )
    _, created = PeriodicTask.objects.get_or_create(
        name=MEASURE_NAME, defaults={"task": "assessments.measure_all", "crontab": daily, "enabled": True}
    )
    return created


def load() -> str:
    results = services.frameworks_load_files(files=services.builtin_framework_files(), builtin=True)
    loaded = [f"{fw.slug} v{fw.version}" for fw, created in results if created]
    parts = [f"frameworks loaded: {', '.join(loaded)}"] if loaded else []
    if _schedule():
        parts.append("daily maturity measurement scheduled")
    return "; ".join(parts)
