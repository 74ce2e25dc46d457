"""Celery tasks of the registry: thin wrappers that load by id and call a service."""

from __future__ import annotations

from celery import shared_task

from mlops_gov.context import acting


@shared_task(name="registry.publish_checkpoint", acks_late=True, soft_time_limit=60, time_limit=90)
def publish_checkpoint(publication_id: int) -> str:
    from registry.audit import checkpoints

    with acting(channel="task"):
        publication = checkpoints.checkpoint_publish(publication_id=publication_id)
    return publication.status if publication is not None else "missing"


@shared_task(name="registry.checkpoint_tick", soft_time_limit=120, time_limit=150)
def checkpoint_tick() -> dict[str, int]:
    from registry.audit import checkpoints

    with acting(channel="task"):
        return checkpoints.checkpoint_tick()
