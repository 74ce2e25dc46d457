"""Where datasets and profiles are kept: Parquet files and pickled-free profiles in Django's default storage."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from monitoring.domain.profile import ColumnSpec, ReferenceProfile
from monitoring.models import Dataset


def frame_to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer, compression="zstd")
    return buffer.getvalue()


def read_frame(dataset: Dataset, columns: list[str] | None = None) -> pd.DataFrame:
    with dataset.file.open("rb") as handle:
        table = pq.read_table(io.BytesIO(handle.read()), columns=columns)
    return table.to_pandas(ignore_metadata=True)


def read_profile(dataset: Dataset) -> ReferenceProfile:
    with dataset.profile_file.open("rb") as handle:
        return ReferenceProfile.from_bytes(handle.read())


def feature_specs(dataset: Dataset) -> list[ColumnSpec]:
    return [ColumnSpec(c["name"], c["kind"]) for c in dataset.schema]
