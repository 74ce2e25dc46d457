"""Built-in registry data: the default promotion policy of each risk tier (never overwrites an edited one) and the
audit checkpoint schedule (re-created if an operator deleted it)."""

from registry.models import AuditChainHead
from registry.services import policies_ensure_defaults

CHECKPOINT_SCHEDULE_NAME = "registry: audit checkpoints (sign the head when it moved, resend publications)"


def load() -> str:
    AuditChainHead.objects.get_or_create(pk=1)
    created = policies_ensure_defaults()
    done = [f"{created} default promotion policies created"] if created else []
    if _checkpoint_schedule():
        done.append("audit checkpoint schedule created")
    return ", ".join(done)


def _checkpoint_schedule() -> bool:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    # Every minute: the task itself waits AUDIT_CHECKPOINT_INTERVAL_MINUTES between checkpoints, and retries due
    # publications in between.
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    _, created = PeriodicTask.objects.get_or_create(
        name=CHECKPOINT_SCHEDULE_NAME, defaults={"task": "registry.checkpoint_tick", "interval": every, "enabled": True}
    )
    return created
