"""Parquet registered by URI is read a column at a time: the reference profile is built and stored column by column,
the batch validated column by column, the file kept as it is; and everything a check sees (profile, schema, model
quality, verdicts and scores) is identical to the in-memory path of an upload of the same bytes."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from django.db import transaction

from mlops_gov.jobs import JobStatus
from monitoring import services
from monitoring.models import ColumnResult, Dataset, DatasetImport, DriftCheck
from monitoring.services import storage

pytestmark = pytest.mark.django_db


def wide_frame(n: int, *, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """Numbers (float, float32, int, few-valued int, with NaN and inf), strings (categorical and text-like) with
    missing values, a timestamp, and a target/prediction pair."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "f_normal": rng.normal(shift, 1, n),
            "f_float32": rng.uniform(0, 1 + shift, n).astype(np.float32),
            "f_int": rng.integers(0, 1000, n),
            "f_few": rng.integers(0, 4 + int(shift), n),
            "c_city": rng.choice(["paris", "lyon", "nice"] if not shift else ["paris", "brest"], n).astype(object),
            "c_code": [f"id-{i}" for i in rng.integers(0, n * 10, n)],
            "when": pd.date_range("2026-01-01", periods=n, freq="min"),
        }
    )
    frame.loc[::17, "f_normal"] = np.nan
    frame.loc[5, "f_normal"] = np.inf
    frame.loc[::13, "c_city"] = None
    frame["label"] = (frame["f_int"] > 500).astype(int)
    frame["pred"] = ((frame["f_int"] + rng.normal(0, 200 + 300 * shift, n)) > 500).astype(int)
    return frame


def parquet_bytes(frame: pd.DataFrame, row_group_size: int = 128) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, row_group_size=row_group_size)
    return buffer.getvalue()


@pytest.fixture
def lake(tmp_path, settings):
    root = tmp_path / "lake"
    root.mkdir()
    settings.MLOPS_GOV = {**settings.MLOPS_GOV, "DATASET_FILE_ROOTS": [str(root)]}
    return root


@pytest.fixture
def column_reads(monkeypatch):
    """Every read of a Parquet file's data, with the columns it asked for."""
    calls: list[list[str] | None] = []
    original_read, original_read_table = pq.ParquetFile.read, pq.read_table

    def read(self, columns=None, *args, **kwargs):
        calls.append(None if columns is None else list(columns))
        return original_read(self, columns, *args, **kwargs)

    def read_table(source, *args, columns=None, **kwargs):
        calls.append(None if columns is None else list(columns))
        return original_read_table(source, *args, columns=columns, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read", read)
    monkeypatch.setattr(pq, "read_table", read_table)
    return calls


def register(version, personas, uri: str, kind: str, **kwargs) -> Dataset:
    with transaction.atomic():
        job = services.dataset_import_request(
            version=version, kind=kind, uri=uri, actor=personas.scientist, run_check=False, **kwargs
        )
    services.dataset_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.dataset is not None, job.error
    return job.dataset


def upload(version, personas, data: bytes, kind: str, **kwargs) -> Dataset:
    return services.dataset_upload(
        version=version, kind=kind, data=data, filename=f"{kind}.parquet", actor=personas.scientist, **kwargs
    )


def second_version(personas):
    from registry import services as registry_services

    model = registry_services.model_create(actor=personas.scientist, name="churn-mem", team=personas.team)
    return registry_services.version_create(model=model, actor=personas.scientist, source_uri="s3://m/2")


def run_check(version, current: Dataset, seed: int) -> DriftCheck:
    check = services.check_create(version=version, current=current, enqueue=False)
    DriftCheck.objects.filter(pk=check.pk).update(config={**check.config, "seed": seed})
    services.check_run(check_id=check.pk)
    check.refresh_from_db()
    assert check.status == JobStatus.SUCCEEDED, check.error
    return check


def test_streamed_registration_matches_the_in_memory_upload(lake, version, personas, column_reads):
    roles = {"target": "label", "prediction": "pred"}
    ref_bytes = parquet_bytes(wide_frame(900, seed=1))
    cur_bytes = parquet_bytes(wide_frame(700, seed=2, shift=1.0))
    (lake / "ref.parquet").write_bytes(ref_bytes)
    (lake / "cur.parquet").write_bytes(cur_bytes)

    streamed_ref = register(version, personas, f"file://{lake}/ref.parquet", "reference", roles=roles)
    streamed_cur = register(version, personas, f"file://{lake}/cur.parquet", "current")
    # Registration read nothing but single columns (the footer aside): memory bounded by a column, not the table.
    assert column_reads and all(columns is not None and len(columns) == 1 for columns in column_reads)
    # The file is kept as it is, its checksum is the source's.
    for dataset, data in ((streamed_ref, ref_bytes), (streamed_cur, cur_bytes)):
        with dataset.file.open("rb") as handle:
            assert handle.read() == data
        assert dataset.sha256 == hashlib.sha256(data).hexdigest() and dataset.size_bytes == len(data)

    other = second_version(personas)
    memory_ref = upload(other, personas, ref_bytes, "reference", roles=roles)
    memory_cur = upload(other, personas, cur_bytes, "current", trigger_check=False)

    for streamed, memory in ((streamed_ref, memory_ref), (streamed_cur, memory_cur)):
        assert streamed.schema == memory.schema
        assert streamed.roles == memory.roles and streamed.model_quality == memory.model_quality
        assert (streamed.n_rows, streamed.n_columns) == (memory.n_rows, memory.n_columns)
        assert streamed.type_mismatches == memory.type_mismatches
        names = [c["name"] for c in memory.schema]
        pd.testing.assert_frame_equal(storage.read_frame(streamed)[names], storage.read_frame(memory)[names])
    assert streamed_ref.model_quality, "target and prediction were read (two columns) and compared"

    a, b = storage.read_profile(streamed_ref), storage.read_profile(memory_ref)
    assert a.columns == b.columns and a.n_rows == b.n_rows
    assert a.numeric.keys() == b.numeric.keys() and a.categorical == b.categorical
    for name, stats in b.numeric.items():
        mine = a.numeric[name]
        assert np.array_equal(mine.values, stats.values)
        assert (mine.n_missing, mine.n_infinite, mine.minimum, mine.maximum, mine.n_unique, mine.std) == (
            stats.n_missing,
            stats.n_infinite,
            stats.minimum,
            stats.maximum,
            stats.n_unique,
            stats.std,
        )
        assert (mine.is_integer, mine.dtype) == (stats.is_integer, stats.dtype)
    with streamed_ref.profile_file.open("rb") as handle:  # one member per numeric column, header last
        import zipfile

        members = zipfile.ZipFile(handle).namelist()
    assert members[-1] == "header.npy" and len(members) == len(a.numeric) + 1

    streamed_check = run_check(version, streamed_cur, seed=7)
    memory_check = run_check(other, memory_cur, seed=7)

    def verdicts(check):
        return sorted(ColumnResult.objects.filter(check_run=check).values_list("column", "method", "score", "detected"))

    assert verdicts(streamed_check) == verdicts(memory_check)
    assert streamed_check.dataset_drift == memory_check.dataset_drift is True
    assert streamed_check.data_quality == memory_check.data_quality
    assert streamed_check.model_quality == memory_check.model_quality


def test_parquet_that_needs_converting_takes_the_bounded_in_memory_path(lake, version, personas, settings):
    frame = wide_frame(300, seed=1)
    frame["flag"] = frame["f_int"] > 300  # booleans are stored as their labels: not kept as they are
    (lake / "ref.parquet").write_bytes(parquet_bytes(frame))
    dataset = register(version, personas, f"file://{lake}/ref.parquet", "reference")
    assert dataset.source_format == "parquet" and "flag" in storage.read_profile(dataset).categorical
    # ...within the upload limit: a larger one is refused with the reason, and nothing stays stored.
    settings.MLOPS_GOV = {**settings.MLOPS_GOV, "UPLOAD_MAX_BYTES": 1000}
    with transaction.atomic():
        job = services.dataset_import_request(
            version=version, kind="reference", uri=f"file://{lake}/ref.parquet", actor=personas.scientist
        )
    before = sorted(p.name for p in (settings.MEDIA_ROOT / "monitoring" / "datasets").iterdir())
    services.dataset_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "only Parquet files of plain columns" in job.error
    assert sorted(p.name for p in (settings.MEDIA_ROOT / "monitoring" / "datasets").iterdir()) == before


def test_a_wide_parquet_beyond_the_upload_column_limit_is_registered_by_uri(lake, version, personas, settings):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({f"x{i:03d}": rng.normal(size=50) for i in range(40)})
    (lake / "wide.parquet").write_bytes(parquet_bytes(frame))
    settings.MLOPS_GOV = {**settings.MLOPS_GOV, "UPLOAD_MAX_COLUMNS": 10, "DATASET_IMPORT_MAX_COLUMNS": 40}
    dataset = register(version, personas, f"file://{lake}/wide.parquet", "reference")
    assert dataset.n_columns == 40 and len(storage.read_profile(dataset).numeric) == 40
    settings.MLOPS_GOV = {**settings.MLOPS_GOV, "DATASET_IMPORT_MAX_COLUMNS": 39}
    with transaction.atomic():
        job = services.dataset_import_request(
            version=version, kind="reference", uri=f"file://{lake}/wide.parquet", actor=personas.scientist
        )
    services.dataset_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "40 columns; the limit is 39" in job.error
    assert DatasetImport.objects.filter(status=JobStatus.FAILED).count() == 1
