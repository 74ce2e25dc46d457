"""Celery tasks of the monitoring app: thin wrappers that load by id and call a service.

Services import this module to enqueue; tasks import services inside their bodies, so the two never import each
other at load time. Celery's own types (the time limit) stay here."""

from __future__ import annotations

from celery import group, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from mlops_gov.context import acting


@shared_task(
    name="monitoring.run_drift_check",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def run_drift_check(check_id: int, hold_seconds: float = 0) -> bool:
    from monitoring import services

    with acting(channel="task"):
        try:
            return services.check_run(check_id=check_id, hold_seconds=hold_seconds, interrupts=(SoftTimeLimitExceeded,))
        except SoftTimeLimitExceeded:
            services.check_fail(check_id=check_id, message="The check took longer than the time limit and was stopped.")
            return True


@shared_task(name="monitoring.deliver", acks_late=True, soft_time_limit=60, time_limit=90)
def deliver(delivery_id: int) -> str:
    from monitoring import services

    with acting(channel="task"):
        delivery = services.delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "missing"


@shared_task(name="monitoring.sweep", soft_time_limit=300, time_limit=360)
def sweep() -> dict:
    from monitoring import services

    with acting(channel="task"):
        return services.sweep()


@shared_task(name="monitoring.build_report", soft_time_limit=900, time_limit=960)
def build_report(check_id: int) -> bool:
    """Evidently's HTML report for a large check, built off the web request and cached as a file."""
    from monitoring import selectors, services

    with acting(channel="task"):
        services.check_report_html(selectors.get_check(check_id))
    return True


@shared_task(
    name="monitoring.import_dataset",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def import_dataset(import_id: int) -> bool:
    """Read a dataset registered by URI where it lives and store it."""
    from monitoring import services

    with acting(channel="task"):
        try:
            return services.dataset_import_run(import_id=import_id, interrupts=(SoftTimeLimitExceeded,))
        except SoftTimeLimitExceeded:
            services.dataset_import_fail(import_id=import_id, message="Reading the dataset took longer than the limit.")
            return True


@shared_task(
    name="monitoring.run_drift_shard",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def run_drift_shard(shard_id: int, hold_seconds: float = 0) -> bool:
    """One column chunk (or the rows part) of a wide drift check; the last part to finish merges the check."""
    from monitoring import services

    with acting(channel="task"):
        try:
            return services.shard_run(shard_id=shard_id, hold_seconds=hold_seconds, interrupts=(SoftTimeLimitExceeded,))
        except SoftTimeLimitExceeded:
            services.shard_fail(shard_id=shard_id, message="A part of the check took longer than the time limit.")
            return True


def enqueue_drift_shards(shard_ids: list[int], *, hold_first_seconds: float = 0) -> None:
    """Send the parts of a wide check as one Celery group, so any number of workers share them."""
    signatures = [run_drift_shard.si(pk, hold_first_seconds if i == 0 else 0) for i, pk in enumerate(shard_ids)]
    group(signatures).apply_async()
