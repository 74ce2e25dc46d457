"""Column-sharded drift checks: a check over many columns fans out as a Celery group of column chunks, each read
only its columns of the current batch and of the reference profile (so a worker's memory is bounded by a chunk,
not the table) and hashes its chunk of every row, plus one small rows part (model quality); duplicate rows are
counted at the merge by folding the chunks' row hashes in order. Each part stores its result on its own row; the
last one to finish merges them into the check in one transaction, with the same verdicts the single-task path
gives."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

import pandas as pd
from django.db import transaction
from django.utils import timezone

from mlops_gov.jobs import JobStatus
from monitoring import selectors, tasks
from monitoring.domain.distribution import distribution
from monitoring.domain.drift import ColumnDrift, DriftConfig, DriftError, DriftResult, compute_drift
from monitoring.domain.quality import (
    column_quality,
    compare_quality,
    duplicate_count,
    fold_hashes,
    fold_row_hashes,
    model_quality,
    summarise_quality,
)
from monitoring.models import ColumnResult, DriftCheck, DriftCheckShard, ShardRole
from monitoring.services import storage


def fan_out(check: DriftCheck, *, hold_seconds: float = 0) -> list[int]:
    """Create the parts of ``check`` (once: a re-run after a lost worker reuses them) and queue the unfinished ones.
    ``hold_seconds`` holds the first part (a crash drill). Answers the ids queued."""
    from monitoring.services.checks import check_specs

    names = [spec.name for spec in check_specs(check)]
    if not check.shards.exists():
        size = int(check.shard_columns or len(names))
        chunks = [names[i : i + size] for i in range(0, len(names), size)]
        parts = [
            DriftCheckShard(check_run=check, index=i, role=ShardRole.COLUMNS, columns=chunk)
            for i, chunk in enumerate(chunks)
        ]
        parts.append(DriftCheckShard(check_run=check, index=len(chunks), role=ShardRole.ROWS, columns=names))
        DriftCheckShard.objects.bulk_create(parts)
    # The rows part (one task over every column) is queued first: queued last it would run alone at the end, while
    # the other workers sit idle, and cap the speed-up of adding workers.
    unfinished = check.shards.exclude(status=JobStatus.SUCCEEDED).order_by("index").values_list("pk", "role")
    pending = [pk for pk, role in sorted(unfinished, key=lambda part: part[1] != ShardRole.ROWS)]
    DriftCheck.set_progress(check.pk, 10)
    if pending:
        tasks.enqueue_drift_shards(pending, hold_first_seconds=hold_seconds)
    else:
        merge(check_id=check.pk)
    return pending


def shard_run(*, shard_id: int, hold_seconds: float = 0, interrupts: tuple[type[BaseException], ...] = ()) -> bool:
    """Run one part (the task calls this). False when another delivery owns it or it already finished. A part
    that fails fails its check with the reason, as the single-task path would."""
    if not DriftCheckShard.claim(shard_id):
        return False
    shard = DriftCheckShard.objects.select_related(
        "check_run__version__model", "check_run__reference", "check_run__current"
    ).get(pk=shard_id)
    check = shard.check_run
    if check.status != JobStatus.RUNNING:
        DriftCheckShard.mark_failed(shard_id, f"Drift check #{check.pk} is {check.status}, no longer running.")
        return True
    if hold_seconds:
        time.sleep(min(float(hold_seconds), 600.0))
    try:
        if shard.role == ShardRole.ROWS:
            payload = _rows_part(check, shard.columns)
        else:
            payload = _columns_part(check, shard.columns)
    except interrupts:
        raise
    except DriftError as exc:  # input that cannot be checked: its one-line reason, as the single-task path
        _fail(shard_id, check.pk, str(exc))
        return True
    except Exception as exc:  # noqa: BLE001 - recorded on the part and the check, like the single-task path
        _fail(shard_id, check.pk, f"{type(exc).__name__}: {exc}")
        return True
    if _store(shard_id, shard.attempts, payload):
        merge(check_id=check.pk)
    return True


def shard_fail(*, shard_id: int, message: str) -> None:
    """A part that cannot finish (time limit, lost too many times) fails its check."""
    check_id = DriftCheckShard.objects.filter(pk=shard_id).values_list("check_run_id", flat=True).first()
    if check_id is not None:
        _fail(shard_id, check_id, message)


def _fail(shard_id: int, check_id: int, message: str) -> None:
    from monitoring.services.checks import check_fail

    DriftCheckShard.mark_failed(shard_id, message)
    with transaction.atomic():
        running = DriftCheck.objects.select_for_update().filter(pk=check_id, status=JobStatus.RUNNING).exists()
        if running:  # the first failing part fails the check; later ones add nothing
            check_fail(check_id=check_id, message=message)


def _columns_part(check: DriftCheck, names: list[str]) -> dict[str, Any]:
    from monitoring.services.checks import check_specs, reference_texts

    wanted = set(names)
    specs = [spec for spec in check_specs(check) if spec.name in wanted]
    frame = storage.read_frame(check.current, columns=names)
    profile = storage.read_profile(check.reference, columns=names)
    kinds = {spec.name: spec.kind for spec in specs}
    result = compute_drift(
        profile, frame, DriftConfig.from_dict(check.config), kinds=kinds, reference_text=reference_texts(check)
    )
    quality = column_quality(profile, frame, specs, type_mismatches=check.current.type_mismatches)
    drifted = [c.column for c in result.columns if c.detected]
    reference = storage.read_frame(check.reference, columns=drifted) if drifted else pd.DataFrame()
    return {
        "columns": [_plain(asdict(column)) for column in result.columns],
        "quality": quality,
        "distributions": {name: distribution(kinds[name], reference[name], frame[name]) for name in drifted},
        # This chunk's row hashes, kept as a file: the merge folds them in chunk order to count duplicate rows,
        # so no single part reads every column.
        "row_hashes": storage.save_row_hashes(
            check.pk, fold_row_hashes(None, frame if list(frame.columns) == names else frame[names])
        ),
    }


def _rows_part(check: DriftCheck, names: list[str]) -> dict[str, Any]:
    """What is not per column: the model quality (two columns read). Duplicate rows are folded at the merge from
    the column parts' row hashes."""
    return {"rows": check.current.n_rows, "model_quality": model_quality_against_reference(check)}


def model_quality_against_reference(check: DriftCheck, frame: pd.DataFrame | None = None) -> dict[str, Any]:
    """Model quality of the batch compared with the reference's, when both carry target and prediction; reads only
    those two columns when no frame is given."""
    roles, reference = check.current.roles, check.reference
    if not (reference.model_quality and "target" in roles and "prediction" in roles):
        return {}
    if frame is None:
        frame = storage.read_frame(check.current, columns=list(dict.fromkeys([roles["target"], roles["prediction"]])))
    now = model_quality(
        frame, target=roles["target"], prediction=roles["prediction"], task=reference.model_quality.get("task")
    )
    thresholds = selectors.config_for(check.version.model).quality_thresholds
    return compare_quality(reference.model_quality, now, thresholds)


@transaction.atomic
def _store(shard_id: int, attempt: int, payload: dict[str, Any]) -> bool:
    shard = DriftCheckShard.objects.select_for_update().get(pk=shard_id)
    if shard.status != JobStatus.RUNNING or shard.attempts != attempt:
        return False  # another delivery took over or finished it: one result only
    now = timezone.now()
    shard.result, shard.status, shard.progress = payload, JobStatus.SUCCEEDED, 100
    shard.finished_at, shard.lease_expires_at = now, None
    shard.save(update_fields=["result", "status", "progress", "finished_at", "lease_expires_at"])
    parts = DriftCheckShard.objects.filter(check_run_id=shard.check_run_id)
    done, total = parts.filter(status=JobStatus.SUCCEEDED).count(), parts.count()
    # Progress is the share of parts done; each finished part also renews the check's lease, so a long wide check
    # is not mistaken for one whose worker died.
    DriftCheck.objects.filter(pk=shard.check_run_id, status=JobStatus.RUNNING).update(
        progress=10 + int(80 * done / total), lease_expires_at=now + DriftCheck.LEASE
    )
    return True


def merge(*, check_id: int) -> bool:
    """Put the parts together when every one has finished: one transaction on the locked check. False while parts
    are still running, or when the check already ended."""
    from monitoring.services.checks import _check_store

    with transaction.atomic():
        check = DriftCheck.objects.select_for_update().select_related("version__model").get(pk=check_id)
        if check.status != JobStatus.RUNNING:
            return False
        parts = list(DriftCheckShard.objects.filter(check_run=check).order_by("index"))
        if not parts or any(part.status != JobStatus.SUCCEEDED for part in parts):
            return False
        column_parts = [part.result for part in parts if part.role == ShardRole.COLUMNS]
        rows_part = next(part.result for part in parts if part.role == ShardRole.ROWS)
        drifts = [ColumnDrift(**column) for part in column_parts for column in part["columns"]]
        result = DriftResult.from_columns(drifts, DriftConfig.from_dict(check.config).drift_share)
        hashes = None
        for part in column_parts:  # in chunk order, as one task folding chunk after chunk would
            hashes = fold_hashes(hashes, storage.read_row_hashes(part["row_hashes"]))
        quality = summarise_quality(
            [row for part in column_parts for row in part["quality"]],
            rows=int(rows_part["rows"]),
            duplicates=duplicate_count(hashes) if hashes is not None else 0,
        )
        previews = {name: preview for part in column_parts for name, preview in part["distributions"].items()}
        rows = [
            ColumnResult(
                check_run_id=check.pk,
                column=c.column,
                kind=c.kind,
                method=c.method,
                threshold=float(c.threshold),
                score=float(c.score),
                detected=bool(c.detected),
                distribution=previews.get(c.column, {}) if c.detected else {},
            )
            for c in drifts
        ]
        stored = _check_store(check, check.attempts, result, rows, quality, rows_part["model_quality"])
        if stored:
            names = [part["row_hashes"] for part in column_parts]

            def cleanup() -> None:
                for name in names:
                    storage.delete_quietly(name)

            transaction.on_commit(cleanup)
        return stored


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """numpy scalars as the Python values JSON stores."""
    return {key: value.item() if hasattr(value, "item") else value for key, value in values.items()}
