"""Where datasets and profiles are kept: Parquet files and pickled-free profiles in Django's default storage."""

from __future__ import annotations

import contextlib
import io
import posixpath
from typing import IO, BinaryIO, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage

from mlops_gov.errors import DomainError
from monitoring.domain import sources
from monitoring.domain.profile import KINDS, ColumnSpec, ReferenceProfile
from monitoring.models import Dataset


def frame_to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer, compression="zstd")
    return buffer.getvalue()


def save_stream(uri: str, name: str, *, max_bytes: int) -> tuple[str, str, int]:
    """Copy the object at ``uri`` into storage as ``name`` in chunks, hashing as it streams and stopping past
    ``max_bytes``. Answers (stored name, sha256, size); nothing is left stored when the copy fails."""
    with sources.open_stream(uri, max_bytes=max_bytes) as stream:
        try:
            stored = default_storage.save(name, File(cast(IO[bytes], stream), name=posixpath.basename(name)))
        except BaseException:
            delete_quietly(name)
            raise
    return stored, stream.sha256, stream.size_bytes


def read_bytes(name: str, *, max_bytes: int) -> bytes:
    """A stored file read whole, refused past ``max_bytes`` (the in-memory path of an import)."""
    if default_storage.size(name) > max_bytes:
        raise DomainError(
            f"The file is larger than {max_bytes:,} bytes: only Parquet files of plain columns (numbers, strings, "
            "timestamps) that fit the reference's storage are read a column at a time; other files are read whole, "
            "within the upload limit."
        )
    with default_storage.open(name, "rb") as handle:
        return cast(bytes, handle.read())


def save_row_hashes(check_id: int, hashes: np.ndarray) -> str:
    """A part's row hashes (uint64 per row) as a file the merge reads; answers its name."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(hashes, dtype=np.uint64), allow_pickle=False)
    return default_storage.save(f"monitoring/shards/check-{check_id}.rowhash", ContentFile(buffer.getvalue()))


def read_row_hashes(name: str) -> np.ndarray:
    with default_storage.open(name, "rb") as handle:
        return np.asarray(np.load(io.BytesIO(handle.read()), allow_pickle=False), dtype=np.uint64)


def delete_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        default_storage.delete(name)


def read_frame(dataset: Dataset, columns: list[str] | None = None) -> pd.DataFrame:
    """The stored table, or only ``columns`` of it: Parquet is read through the open file, so only the footer and
    those columns' chunks are read, not the whole file."""
    with dataset.file.open("rb") as handle:
        table = pq.read_table(handle, columns=columns)
    # One block per column, Arrow's buffers released as each column is converted: the peak is about one copy of
    # the columns, not three (Arrow's, pandas' consolidated block and the copy between them).
    return table.to_pandas(ignore_metadata=True, split_blocks=True, self_destruct=True)


def read_profile(dataset: Dataset, columns: list[str] | None = None) -> ReferenceProfile:
    """The reference profile, or only ``columns`` of it (read lazily from the stored archive)."""
    with dataset.profile_file.open("rb") as handle:
        return ReferenceProfile.from_bytes(cast(BinaryIO, handle), columns=columns)


def feature_specs(dataset: Dataset) -> list[ColumnSpec]:
    """The columns a check compares, as the dataset's own typing gives them (timestamps and unknown columns are in
    the schema but never checked)."""
    return [ColumnSpec(c["name"], c["kind"]) for c in dataset.schema if c["kind"] in KINDS]
