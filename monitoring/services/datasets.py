"""Dataset uploads: validate, store with a checksum, profile a reference once, queue a check for a current batch."""

from __future__ import annotations

import posixpath
import tempfile
import uuid
from dataclasses import dataclass
from typing import Any

import pandas as pd
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction

from mlops_gov.actors import Actor
from mlops_gov.errors import ConflictError, DomainError
from monitoring import permissions, selectors
from monitoring.domain import ingest
from monitoring.domain.profile import ProfileError, ProfileWriter, ReferenceProfile
from monitoring.domain.quality import model_quality as compute_quality
from monitoring.models import Dataset, DatasetKind
from monitoring.services import storage
from monitoring.services.checks import check_create
from monitoring.services.common import import_limits, limits, require
from registry.audit import audit_record
from registry.models import ModelVersion


def dataset_upload(
    *,
    version: ModelVersion,
    kind: str,
    data: bytes,
    filename: str,
    actor: Actor,
    roles: dict[str, str] | None = None,
    reference: Dataset | None = None,
    trigger_check: bool = True,
    source_uri: str = "",
) -> Dataset:
    """Validate and store a dataset. A reference gets its profile computed once; a current batch must fit the
    reference schema and, when the model's config says so, queues a drift check after commit. ``source_uri`` says
    where a dataset registered by URI was read from (the import job passes it)."""
    roles = {k: v for k, v in (roles or {}).items() if v}
    reference = _check_upload(version=version, kind=kind, actor=actor, reference=reference)
    try:
        inherited = dict(reference.roles) if reference is not None and kind == DatasetKind.CURRENT and not roles else {}
        table = ingest.read_table(data, filename=filename, limits=limits(), roles=roles, optional_roles=inherited)
        if reference is not None and kind == DatasetKind.CURRENT:
            table = ingest.conform_to_reference(table, reference.schema)
    except ingest.IngestError as exc:
        raise DomainError(str(exc)) from None
    model_quality = _model_quality(table.frame, table.roles)
    stem = uuid.uuid4().hex
    saved: list[str] = []
    try:
        data_name = default_storage.save(
            f"monitoring/datasets/{stem}.parquet", ContentFile(storage.frame_to_parquet(table.frame))
        )
        saved.append(data_name)
        profile_name = ""
        if kind == DatasetKind.REFERENCE:
            try:
                profile = ReferenceProfile.from_frame(table.frame, table.features)
            except ProfileError as exc:  # e.g. a column whose every value is infinite
                raise DomainError(str(exc)) from None
            profile_name = default_storage.save(f"monitoring/profiles/{stem}.profile", ContentFile(profile.to_bytes()))
            saved.append(profile_name)
        dataset = _record(
            version=version,
            kind=kind,
            filename=filename,
            source_format=table.source_format,
            file=data_name,
            profile_file=profile_name,
            sha256=table.sha256,
            size_bytes=table.size_bytes,
            n_rows=table.n_rows,
            n_columns=table.n_columns,
            schema=table.schema(),
            roles=table.roles,
            model_quality=model_quality,
            reference=reference,
            actor=actor,
            type_mismatches=table.type_mismatches,
            trigger_check=trigger_check,
            source_uri=source_uri,
        )
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise
    return dataset


def _check_upload(*, version: ModelVersion, kind: str, actor: Actor, reference: Dataset | None) -> Dataset | None:
    """The permission and kind checks of any new dataset; answers the reference a current batch is compared with."""
    require(permissions.can_upload(actor, version.model), "Only the model's team may upload its data.")
    if kind not in DatasetKind.values:
        raise DomainError(f"Unknown dataset kind '{kind}' (use reference or current).")
    if kind != DatasetKind.CURRENT:
        return reference
    reference = reference or selectors.latest_reference(version)
    if reference is None:
        raise ConflictError(f"{version} has no reference dataset yet: upload one first.")
    if reference.version_id != version.pk or reference.kind != DatasetKind.REFERENCE:
        raise DomainError("The reference must be a reference dataset of the same version.")
    return reference


def _model_quality(frame: pd.DataFrame, roles: dict[str, str]) -> dict[str, Any]:
    if not ("target" in roles and "prediction" in roles):
        return {}
    try:
        return compute_quality(frame, target=roles["target"], prediction=roles["prediction"])
    except ValueError as exc:
        raise DomainError(f"Target and prediction cannot be compared: {exc}") from None


def _record(
    *,
    version: ModelVersion,
    kind: str,
    filename: str,
    reference: Dataset | None,
    actor: Actor,
    trigger_check: bool,
    source_uri: str,
    **fields: Any,
) -> Dataset:
    """Create the dataset row over its stored files, audit it and queue its check, in one transaction."""
    with transaction.atomic():
        dataset = Dataset.objects.create(
            version=version,
            kind=kind,
            name=filename[:255],
            reference=reference if kind == DatasetKind.CURRENT else None,
            uploaded_by=actor,
            source_uri=source_uri,
            **fields,
        )
        audit_record(
            action="dataset.uploaded",
            obj=dataset,
            model=version.model,
            actor=actor,
            after={
                "version": version.version,
                "kind": kind,
                "name": dataset.name,
                "sha256": dataset.sha256,
                "rows": dataset.n_rows,
                "columns": dataset.n_columns,
                "roles": dataset.roles,
                **({"source_uri": source_uri} if source_uri else {}),
            },
        )
        if kind == DatasetKind.CURRENT and trigger_check and selectors.config_for(version.model).check_on_upload:
            check_create(version=version, current=dataset, actor=actor, trigger="upload")
    return dataset


@dataclass
class StoredParquet:
    """A Parquet dataset streamed into storage, validated, typed and (a reference) profiled a column at a time:
    what ``dataset_record_stored`` records. ``files`` are deleted if it is never recorded."""

    version: ModelVersion
    kind: str
    reference: Dataset | None
    filename: str
    data_name: str
    profile_name: str
    scan: ingest.ParquetScan
    sha256: str
    size_bytes: int
    model_quality: dict[str, Any]

    @property
    def files(self) -> list[str]:
        return [name for name in (self.data_name, self.profile_name) if name]


def dataset_prepare_stored(
    *,
    version: ModelVersion,
    kind: str,
    data_name: str,
    sha256: str,
    size_bytes: int,
    filename: str,
    actor: Actor,
    roles: dict[str, str] | None = None,
) -> StoredParquet | None:
    """Prepare a dataset already copied to storage as ``data_name`` (an import streams the object there). A Parquet
    file of plain columns (numbers, strings, timestamps) is kept as it is: its footer is checked against the import
    limits, and every column is read, validated, typed and, for a reference, profiled one at a time (the profile is
    written a column at a time too), so memory is bounded by a column, never the table. ``None`` for any other
    file: the caller reads it whole, within the upload limits, as an upload. Nothing is recorded yet."""
    roles = {k: v for k, v in (roles or {}).items() if v}
    reference = _check_upload(version=version, kind=kind, actor=actor, reference=None)
    reference_schema = reference.schema if kind == DatasetKind.CURRENT and reference is not None else None
    with default_storage.open(data_name, "rb") as handle:
        if handle.read(4) != b"PAR1":
            return None
        handle.seek(0)
        try:
            parquet = ingest.open_parquet(handle, size_bytes=size_bytes, limits=import_limits())
            if not ingest.stored_as_is(parquet, reference_schema):
                return None
            inherited = (
                dict(reference.roles) if reference is not None and reference_schema is not None and not roles else {}
            )
            profile_name = ""
            if kind == DatasetKind.REFERENCE:
                with tempfile.TemporaryFile() as spool:
                    writer = ProfileWriter(spool)
                    scan = ingest.scan_parquet(parquet, roles=roles, optional_roles=inherited, on_feature=writer.add)
                    writer.finish(scan.n_rows)
                    spool.seek(0)
                    stem = posixpath.splitext(posixpath.basename(data_name))[0]
                    profile_name = default_storage.save(f"monitoring/profiles/{stem}.profile", File(spool))
            else:
                scan = ingest.scan_parquet(
                    parquet, roles=roles, optional_roles=inherited, reference_schema=reference_schema
                )
            try:
                model_quality: dict[str, Any] = {}
                if "target" in scan.roles and "prediction" in scan.roles:
                    pair = dict.fromkeys([scan.roles["target"], scan.roles["prediction"]])
                    frame = pd.concat([ingest.read_column(parquet, c) for c in pair], axis=1)
                    model_quality = _model_quality(frame, scan.roles)
            except BaseException:
                if profile_name:
                    default_storage.delete(profile_name)
                raise
        except (ingest.IngestError, ProfileError) as exc:
            raise DomainError(str(exc)) from None
    return StoredParquet(
        version=version,
        kind=kind,
        reference=reference,
        filename=filename,
        data_name=data_name,
        profile_name=profile_name,
        scan=scan,
        sha256=sha256,
        size_bytes=size_bytes,
        model_quality=model_quality,
    )


def dataset_record_stored(
    prepared: StoredParquet, *, actor: Actor, trigger_check: bool = True, source_uri: str = ""
) -> Dataset:
    """Record a prepared dataset (see ``dataset_prepare_stored``): the row, its audit event and its check."""
    scan = prepared.scan
    return _record(
        version=prepared.version,
        kind=prepared.kind,
        filename=prepared.filename,
        source_format="parquet",
        file=prepared.data_name,
        profile_file=prepared.profile_name,
        sha256=prepared.sha256,
        size_bytes=prepared.size_bytes,
        n_rows=scan.n_rows,
        n_columns=scan.n_columns,
        schema=scan.schema(),
        roles=scan.roles,
        model_quality=prepared.model_quality,
        reference=prepared.reference,
        actor=actor,
        type_mismatches=scan.type_mismatches,
        trigger_check=trigger_check,
        source_uri=source_uri,
    )
