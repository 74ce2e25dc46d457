"""Datasets registered by URI: the request is checked and audited at once; a worker reads the object where it
lives (streamed and checksummed, never through the web server) and stores it through the same validation as an
upload, as the person who asked (their permission is checked again when the worker runs)."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mlops_gov.actors import Actor
from mlops_gov.errors import ConflictError, DomainError
from mlops_gov.jobs import JobStatus
from monitoring import permissions, selectors, tasks
from monitoring.domain import sources
from monitoring.models import DatasetImport, DatasetKind
from monitoring.services import storage
from monitoring.services.common import require
from monitoring.services.datasets import dataset_prepare_stored, dataset_record_stored, dataset_upload
from registry.audit import audit_record
from registry.models import ModelVersion

logger = logging.getLogger(__name__)


def parse_source(uri: str) -> sources.Source:
    """The URI checked against the operator's rules, with a ``DomainError`` that says what to change."""
    try:
        source = sources.parse_uri(uri, file_roots=settings.MLOPS_GOV["DATASET_FILE_ROOTS"])
    except sources.SourceError as exc:
        raise DomainError(str(exc)) from None
    if package := sources.missing_package(source.scheme):
        raise DomainError(f"{source.scheme}:// URIs need the '{package}' package installed on the server and workers.")
    return source


@transaction.atomic
def dataset_import_request(
    *,
    version: ModelVersion,
    kind: str,
    uri: str,
    actor: Actor,
    roles: dict[str, str] | None = None,
    run_check: bool = True,
) -> DatasetImport:
    """Register a dataset by URI: checked now, read by a worker after commit. Answers the queued job."""
    require(permissions.can_upload(actor, version.model), "Only the model's team may register its data.")
    if kind not in DatasetKind.values:
        raise DomainError(f"Unknown dataset kind '{kind}' (use reference or current).")
    if kind == DatasetKind.CURRENT and selectors.latest_reference(version) is None:
        raise ConflictError(f"{version} has no reference dataset yet: register or upload one first.")
    source = parse_source(uri)
    job = DatasetImport.objects.create(
        version=version,
        kind=kind,
        uri=source.uri,
        roles={k: str(v) for k, v in (roles or {}).items() if v},
        run_check=run_check,
        requested_by=actor,
    )
    audit_record(
        action="dataset.import_requested",
        obj=job,
        model=version.model,
        actor=actor,
        after={"version": version.version, "kind": kind, "uri": source.uri, "roles": job.roles},
    )
    transaction.on_commit(lambda: enqueue_import(job.pk))
    return job


def enqueue_import(import_id: int) -> None:
    tasks.import_dataset.delay(import_id)


def dataset_import_run(*, import_id: int, interrupts: tuple[type[BaseException], ...] = ()) -> bool:
    """Read and store one queued import (the task calls this). False when another delivery owns it or it finished.
    Any failure ends the job ``failed`` with a message that names the URI and the reason, and an audit event."""
    if not DatasetImport.claim(import_id):
        return False
    job = DatasetImport.objects.select_related("version__model", "requested_by").get(pk=import_id)
    files: list[str] = []  # stored by this run: deleted unless a dataset owns them at the end
    try:
        # The object is copied into storage in chunks, hashed on the way (never whole in memory).
        data_name, sha256, size = storage.save_stream(
            job.uri,
            f"monitoring/datasets/{uuid.uuid4().hex}.parquet",
            max_bytes=settings.MLOPS_GOV["DATASET_IMPORT_MAX_BYTES"],
        )
        files.append(data_name)
        DatasetImport.set_progress(import_id, 30)
        filename = sources.filename_of(job.uri)
        prepared = dataset_prepare_stored(
            version=job.version,
            kind=job.kind,
            data_name=data_name,
            sha256=sha256,
            size_bytes=size,
            filename=filename,
            actor=job.requested_by,
            roles=job.roles,
        )
        data = None
        if prepared is None:  # CSV, or Parquet whose columns need converting: read whole, within the upload limits
            data = storage.read_bytes(data_name, max_bytes=settings.MLOPS_GOV["UPLOAD_MAX_BYTES"])
        else:
            files.extend(prepared.files)
        DatasetImport.set_progress(import_id, 80)
        with transaction.atomic():
            # Record and finish in one transaction, on the row we hold: a redelivery after a crash either finds
            # the job finished or stores again, never both.
            locked = DatasetImport.objects.select_for_update().get(pk=import_id)
            if locked.status != JobStatus.RUNNING or locked.attempts != job.attempts:
                return False
            if prepared is not None:
                dataset = dataset_record_stored(
                    prepared, actor=job.requested_by, trigger_check=job.run_check, source_uri=job.uri
                )
                files.clear()  # the dataset owns them now
            else:
                assert data is not None
                dataset = dataset_upload(
                    version=job.version,
                    kind=job.kind,
                    data=data,
                    filename=filename,
                    actor=job.requested_by,
                    roles=job.roles,
                    trigger_check=job.run_check,
                    source_uri=job.uri,
                )
            locked.status, locked.progress, locked.dataset = JobStatus.SUCCEEDED, 100, dataset
            locked.finished_at, locked.lease_expires_at = timezone.now(), None
            locked.save(update_fields=["status", "progress", "dataset", "finished_at", "lease_expires_at"])
    except interrupts:
        raise
    except (sources.SourceError, DomainError) as exc:
        dataset_import_fail(import_id=import_id, message=str(exc))
    except Exception as exc:
        logger.exception("dataset import %s failed", import_id)
        dataset_import_fail(import_id=import_id, message=f"{type(exc).__name__}: {exc}")
    finally:
        for name in files:
            storage.delete_quietly(name)
    return True


@transaction.atomic
def dataset_import_fail(*, import_id: int, message: str) -> None:
    DatasetImport.mark_failed(import_id, message)
    job = DatasetImport.objects.select_related("version__model").get(pk=import_id)
    audit_record(
        action="dataset.import_failed",
        obj=job,
        model=job.version.model,
        actor=job.requested_by,
        after={"uri": job.uri, "error": message[:500]},
    )
