"""Upload parsing and validation (pure): every bad input is a clear IngestError, never a crash."""

from __future__ import annotations

import gzip
import io
import zipfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from monitoring.domain import ingest
from monitoring.domain.profile import CATEGORICAL, NUMERICAL, TEXT
from tests.monitoring.factories import csv_bytes, make_frame

LIMITS = ingest.Limits(max_bytes=5_000_000, max_rows=10_000, max_columns=50)


def parquet_bytes(table: pa.Table, **kwargs) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **kwargs)
    return buffer.getvalue()


def read(data: bytes, name: str = "x.csv", roles=None, limits=LIMITS) -> ingest.Table:
    return ingest.read_table(data, filename=name, limits=limits, roles=roles)


def test_csv_schema_inferred_with_roles_and_sha256():
    data = csv_bytes(make_frame(50, with_quality=True))
    table = read(data, roles={"target": "label", "prediction": "pred"})
    assert [(c.name, c.kind) for c in table.features] == [
        ("age", NUMERICAL),
        ("income", NUMERICAL),
        ("score", NUMERICAL),
        ("city", CATEGORICAL),
    ]
    assert table.n_rows == 50 and table.n_columns == 6
    assert table.roles == {"target": "label", "prediction": "pred"}
    import hashlib

    assert table.sha256 == hashlib.sha256(data).hexdigest()
    assert table.frame["age"].dtype == np.float64


def test_parquet_and_gzip_csv_read():
    frame = make_frame(30)
    assert read(parquet_bytes(pa.Table.from_pandas(frame)), "x.parquet").n_rows == 30
    assert read(gzip.compress(csv_bytes(frame)), "x.csv.gz").source_format == "csv.gz"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"a,b,c\n", "no data rows"),
        (b"a,a,b\n1,2,3\n", "Duplicate column names: a"),
        (b"a,b\n1,2\n3,4,5,6\n", "malformed"),
        ("a,b\n\xe9t\xe9,1\n".encode("latin-1"), "not valid UTF-8"),
        (b"a,b\n1,\n2,\n", "Column 'b' has no values"),
        (b"a,b\n\x00\x01,2\n", "NUL"),
        (b"PAR1garbagegarbage", "Parquet"),
    ],
)
def test_bad_csv_refused_with_message(data, message):
    with pytest.raises(ingest.IngestError, match=message):
        read(data, "x.parquet" if data.startswith(b"PAR1") else "x.csv")


def test_size_limit_checked_before_parsing():
    with pytest.raises(ingest.IngestError, match="limit is 10 bytes"):
        read(b"a\n" + b"1\n" * 100, limits=ingest.Limits(10, 10, 10))


def test_row_and_column_caps():
    with pytest.raises(ingest.IngestError, match="more than 5 rows"):
        read(b"a\n" + b"1\n" * 10, limits=ingest.Limits(1000, 5, 10))
    with pytest.raises(ingest.IngestError, match="11 columns; the limit is 10"):
        read(
            (",".join(f"c{i}" for i in range(11)) + "\n" + ",".join("1" * 11) + "\n").encode(),
            limits=ingest.Limits(1000, 5, 10),
        )


def test_gzip_bomb_refused():
    bomb = gzip.compress(b"a,b\n" + b"1,2\n" * 5_000_000)  # 20 MB of CSV in ~20 kB
    assert len(bomb) < 100_000
    with pytest.raises(ingest.IngestError, match="decompression bomb"):
        read(bomb, "x.csv.gz")


def test_zip_bomb_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.csv", b"a,b\n" + b"0,0\n" * 5_000_000)
    with pytest.raises(ingest.IngestError, match="decompression bomb"):
        read(buffer.getvalue(), "x.zip")


def test_parquet_bomb_refused():
    table = pa.table({"a": np.zeros(3_000_000), "b": np.zeros(3_000_000)})
    data = parquet_bytes(table, compression="zstd")
    assert len(data) < 200_000
    with pytest.raises(ingest.IngestError, match="decompression bomb"):
        read(data, "x.parquet", limits=ingest.Limits(5_000_000, 10_000_000, 50))


def test_parquet_with_thousands_of_columns_refused_from_footer():
    table = pa.table({f"c{i}": [1.0] for i in range(3000)})
    with pytest.raises(ingest.IngestError, match="3,000 columns; the limit is 50"):
        read(parquet_bytes(table), "wide.parquet")


def test_parquet_nested_and_binary_types_refused():
    with pytest.raises(ingest.IngestError, match="only numbers"):
        read(parquet_bytes(pa.table({"a": [[1, 2]], "b": [1.0]})), "x.parquet")
    with pytest.raises(ingest.IngestError, match="only numbers"):
        read(parquet_bytes(pa.table({"a": [b"\x80\x04"], "b": [1.0]})), "x.parquet")


def test_parquet_pandas_metadata_is_ignored():
    # A file naming a pandas extension type in its metadata is read as plain columns (nothing rebuilt from it).
    table = pa.Table.from_pandas(pd.DataFrame({"a": pd.Categorical(["x", "y"]), "b": [1.0, 2.0]}))
    result = read(parquet_bytes(table), "x.parquet")
    assert result.frame["a"].tolist() == ["x", "y"]


def test_mixed_types_are_strings_typed_as_evidently_types_them():
    # numbers and words in one column are read as strings: text when more than half are distinct, else categorical
    table = read(b"a,b\n1,x\n2,3\nfoo,4\n")
    assert {c.name: c.kind for c in table.features} == {"a": TEXT, "b": TEXT}
    table = read(b"a,b\n1,x\nfoo,x\nfoo,4\n1,4\n")
    assert {c.name: c.kind for c in table.features} == {"a": CATEGORICAL, "b": CATEGORICAL}
    assert {t["name"]: t["rule"] for t in table.schema()}["a"] == "strings, 50% distinct (<= 50%): categorical"


def test_current_batch_must_fit_reference_schema():
    reference = read(csv_bytes(make_frame(20)))
    other = read(b"age,income,zzz\n1,2,x\n")
    with pytest.raises(ingest.IngestError, match="missing columns: score, city; unexpected columns: zzz"):
        ingest.conform_to_reference(other, reference.schema())


def test_type_mismatches_counted_in_current():
    reference = read(b"a,b\n1,x\n2,y\n3,z\n")
    current = ingest.conform_to_reference(read(b"a,b\n1,x\noops,y\n3,z\n"), reference.schema())
    assert current.type_mismatches == {"a": 1}
    assert current.frame["a"].isna().sum() == 1
    with pytest.raises(ingest.IngestError, match="no numbers"):
        ingest.conform_to_reference(read(b"a,b\nx,x\ny,y\n"), reference.schema())


def test_unknown_role_and_missing_role_column():
    with pytest.raises(ingest.IngestError, match="Unknown column role"):
        read(b"a,b\n1,2\n", roles={"weight": "a"})
    with pytest.raises(ingest.IngestError, match="target column 'zz' is not in the file"):
        read(b"a,b\n1,2\n", roles={"target": "zz"})


def test_numbers_keep_their_dtype_and_dates_are_kept_unchecked():
    # Evidently computes float32 and integer columns in their own dtype (std, histogram bins): the upload keeps them.
    frame = pd.DataFrame(
        {
            "f32": np.linspace(0, 1, 40, dtype=np.float32),
            "i64": np.arange(40),
            "when": pd.date_range("2024-01-01", periods=40, freq="D"),
            "city": ["a", "b"] * 20,
        }
    )
    table = read(parquet_bytes(pa.Table.from_pandas(frame)), "x.parquet")
    assert table.frame["f32"].dtype == np.float32 and table.frame["i64"].dtype == np.int64
    assert [c.name for c in table.features] == ["f32", "i64", "city"]
    schema = {c["name"]: c for c in table.schema()}
    assert schema["when"]["kind"] == "datetime" and schema["f32"]["dtype"] == "float32"
    assert schema["i64"]["rule"] == "int64 with 40 distinct values (> 10): numerical"
