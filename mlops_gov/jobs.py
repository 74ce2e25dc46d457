"""The persisted job pattern for long work (drift checks, report rendering).

A concrete job model inherits ``Job``; its task claims the row atomically (``claim``), reports progress, and ends
in ``succeeded`` or ``failed`` with a message. A job redelivered after a worker died is re-claimed only while
still queued or when its lease expired, so a delivery twice has one effect.

A worker killed mid-job leaves the row running until its lease expires, and the broker's redelivery (which came
while the lease held) found it owned and exited. Every job kind therefore registers how to re-queue and how to fail
one of its jobs (``register_job_kind``, from its app's ``ready``), and the one periodic sweep (celery beat,
``sweep_jobs``) recovers them all: re-queued while attempts remain, failed after.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    MAX_ATTEMPTS = 3
    LEASE = timedelta(minutes=35)  # longer than the hard time limit: an expired lease means the worker died

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @classmethod
    def claim(cls, pk: int) -> bool:
        """Atomically move a job to running. False when another delivery owns it or it already finished."""
        now = timezone.now()
        claimable = models.Q(status=JobStatus.QUEUED) | models.Q(status=JobStatus.RUNNING, lease_expires_at__lt=now)
        updated = cls._default_manager.filter(claimable, pk=pk, attempts__lt=cls.MAX_ATTEMPTS).update(
            status=JobStatus.RUNNING,
            started_at=now,
            progress=0,
            error="",
            lease_expires_at=now + cls.LEASE,
            attempts=models.F("attempts") + 1,
        )
        return updated == 1

    @classmethod
    def set_progress(cls, pk: int, percent: int) -> None:
        cls._default_manager.filter(pk=pk, status=JobStatus.RUNNING).update(progress=max(0, min(100, percent)))

    @classmethod
    def mark_failed(cls, pk: int, message: str) -> None:
        cls._default_manager.filter(pk=pk).exclude(status=JobStatus.SUCCEEDED).update(
            status=JobStatus.FAILED, error=message[:4000], finished_at=timezone.now(), lease_expires_at=None
        )

    @classmethod
    def fail_abandoned(cls) -> int:
        """Jobs whose lease expired after their last allowed attempt: fail them rather than leave them running."""
        return cls._default_manager.filter(
            status=JobStatus.RUNNING, lease_expires_at__lt=timezone.now(), attempts__gte=cls.MAX_ATTEMPTS
        ).update(
            status=JobStatus.FAILED,
            error="The worker stopped while running this job (killed or timed out) too many times.",
            finished_at=timezone.now(),
        )


# --- recovery of abandoned jobs, for every job kind ------------------------------------------------------------------

REQUEUE_QUEUED_AFTER = timedelta(minutes=10)
ABANDONED_MESSAGE = "The worker stopped while running this job (killed or timed out) too many times."


@dataclass(frozen=True)
class JobKind:
    model: type[Job]
    requeue: Callable[[int], None]  # enqueue the job's task again (a service of the owning app)
    fail: Callable[[int, str], None]  # end the job failed with a message (audited by the owning app's service)


_KINDS: dict[str, JobKind] = {}


def register_job_kind(model: type[Job], *, requeue: Callable[[int], None], fail: Callable[[int, str], None]) -> None:
    _KINDS[model._meta.label_lower] = JobKind(model=model, requeue=requeue, fail=fail)


def registered_job_kinds() -> list[str]:
    return sorted(_KINDS)


def sweep_jobs(*, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """Recover every job kind: a running job whose lease expired is re-queued while attempts remain and failed after;
    a job queued for longer than ``REQUEUE_QUEUED_AFTER`` (its message lost) is re-queued."""
    now = now or timezone.now()
    counts: dict[str, dict[str, int]] = {}
    for label, kind in sorted(_KINDS.items()):
        model = kind.model
        expired = model._default_manager.filter(status=JobStatus.RUNNING, lease_expires_at__lt=now)
        retry = list(expired.filter(attempts__lt=model.MAX_ATTEMPTS).values_list("pk", flat=True))
        lost = list(
            model._default_manager.filter(
                status=JobStatus.QUEUED, created_at__lt=now - REQUEUE_QUEUED_AFTER
            ).values_list("pk", flat=True)
        )
        exhausted = list(expired.filter(attempts__gte=model.MAX_ATTEMPTS).values_list("pk", flat=True))
        for pk in [*retry, *lost]:
            kind.requeue(pk)
        for pk in exhausted:
            kind.fail(pk, ABANDONED_MESSAGE)
        counts[label] = {"requeued": len(retry) + len(lost), "failed": len(exhausted)}
    return counts
