"""Dataset uploads: validate, store with a checksum, profile a reference once, queue a check for a current batch."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from mlops_gov.actors import Actor
from mlops_gov.errors import ConflictError, DomainError
from monitoring import permissions, selectors
from monitoring.domain import ingest
from monitoring.domain.profile import ProfileError, ReferenceProfile
from monitoring.domain.quality import model_quality as compute_quality
from monitoring.models import Dataset, DatasetKind
from monitoring.services import storage
from monitoring.services.checks import check_create
from monitoring.services.common import limits, require
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
    require(permissions.can_upload(actor, version.model), "Only the model's team may upload its data.")
    if kind not in DatasetKind.values:
        raise DomainError(f"Unknown dataset kind '{kind}' (use reference or current).")
    roles = {k: v for k, v in (roles or {}).items() if v}
    if kind == DatasetKind.CURRENT:
        reference = reference or selectors.latest_reference(version)
        if reference is None:
            raise ConflictError(f"{version} has no reference dataset yet: upload one first.")
        if reference.version_id != version.pk or reference.kind != DatasetKind.REFERENCE:
            raise DomainError("The reference must be a reference dataset of the same version.")
    try:
        inherited = dict(reference.roles) if reference is not None and kind == DatasetKind.CURRENT and not roles else {}
        table = ingest.read_table(data, filename=filename, limits=limits(), roles=roles, optional_roles=inherited)
        if reference is not None and kind == DatasetKind.CURRENT:
            table = ingest.conform_to_reference(table, reference.schema)
    except ingest.IngestError as exc:
        raise DomainError(str(exc)) from None
    model_quality: dict[str, Any] = {}
    if "target" in table.roles and "prediction" in table.roles:
        try:
            model_quality = compute_quality(
                table.frame, target=table.roles["target"], prediction=table.roles["prediction"]
            )
        except ValueError as exc:
            raise DomainError(f"Target and prediction cannot be compared: {exc}") from None
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
        with transaction.atomic():
            dataset = Dataset.objects.create(
                version=version,
                kind=kind,
                name=filename[:255],
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
                reference=reference if kind == DatasetKind.CURRENT else None,
                uploaded_by=actor,
                type_mismatches=table.type_mismatches,
                source_uri=source_uri,
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
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise
    return dataset
