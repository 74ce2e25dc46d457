"""Celery tasks of the assessments app: thin wrappers that call a service."""

from __future__ import annotations

from celery import shared_task

from mlops_gov.context import acting


@shared_task(name="assessments.measure_all", soft_time_limit=600, time_limit=660)
def measure_all() -> dict:
    """Celery beat's daily run: measure every model's maturity from the evidence rules, then the portfolio."""
    from assessments import services

    with acting(channel="task"):
        return services.measurements_take_all(trigger="beat")
