"""Where datasets and profiles are kept: Parquet files and pickled-free profiles in Django's default storage."""

from __future__ import annotations

import io
from typing import BinaryIO, cast

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from monitoring.domain.profile import KINDS, ColumnSpec, ReferenceProfile
from monitoring.models import Dataset


def frame_to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer, compression="zstd")
    return buffer.getvalue()


def read_frame(dataset: Dataset, columns: list[str] | None = None) -> pd.DataFrame:
    """The stored table, or only ``columns`` of it: Parquet is read through the open file, so only the footer and
    those columns' chunks are read, not the whole file."""
    with dataset.file.open("rb") as handle:
        table = pq.read_table(handle, columns=columns)
    return table.to_pandas(ignore_metadata=True)


def read_profile(dataset: Dataset, columns: list[str] | None = None) -> ReferenceProfile:
    """The reference profile, or only ``columns`` of it (read lazily from the stored archive)."""
    with dataset.profile_file.open("rb") as handle:
        return ReferenceProfile.from_bytes(cast(BinaryIO, handle), columns=columns)


def feature_specs(dataset: Dataset) -> list[ColumnSpec]:
    """The columns a check compares, as the dataset's own typing gives them (timestamps and unknown columns are in
    the schema but never checked)."""
    return [ColumnSpec(c["name"], c["kind"]) for c in dataset.schema if c["kind"] in KINDS]
