"""Parse and validate uploaded tables (CSV, gzip/zip CSV, Parquet) into plain pandas frames. No Django.

Untrusted input: the size is checked before parsing, compressed input is expanded in bounded chunks (a
decompression bomb stops at the limit), a Parquet footer is read first (column cap, plain types only, expanded
size), rows and columns are capped, and nothing is ever unpickled. Every refusal is an ``IngestError`` whose message
is fit to show the uploader.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zipfile
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from monitoring.domain.coltypes import ColumnTyping, TypingError, coerce_to, holds_numbers, type_frame
from monitoring.domain.profile import KINDS, NUMERICAL, ColumnSpec

ROLES = ("target", "prediction", "id", "timestamp")
MAX_EXPANSION_RATIO = 200  # compressed -> expanded; real CSV compresses 5-20x
_CHUNK = 1 << 20
_PARQUET_MAGIC = b"PAR1"


class IngestError(ValueError):
    """The upload is refused; the message says why."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int
    max_columns: int

    @property
    def max_expanded_bytes(self) -> int:
        return 4 * self.max_bytes


@dataclass
class Table:
    frame: pd.DataFrame  # numbers in their own dtype (int64, float32, ...), everything else as object str/NaN
    features: list[ColumnSpec]
    roles: dict[str, str]
    source_format: str
    sha256: str
    size_bytes: int
    type_mismatches: dict[str, int] = field(default_factory=dict)
    typing: list[ColumnTyping] = field(default_factory=list)  # every non-role column, typed from the raw file

    @property
    def n_rows(self) -> int:
        return len(self.frame)

    @property
    def n_columns(self) -> int:
        return int(self.frame.shape[1])

    def schema(self) -> list[dict[str, str]]:
        """Every non-role column with the kind this file gives it (Evidently's typing of the file as read), the rule
        that gave it, Evidently's own kind, and the dtype as read. Columns of a kind that is not checked (datetime,
        unknown) are listed too: ``kind`` says so."""
        if not self.typing:  # a table built by hand
            return [{"name": c.name, "kind": c.kind, "dtype": str(self.frame[c.name].dtype)} for c in self.features]
        return [t.to_dict() for t in self.typing]


# --- reading bytes ----------------------------------------------------------------------------------------------


def _bounded_expand(stream: Any, compressed_size: int, limits: Limits) -> bytes:
    out = io.BytesIO()
    cap = min(limits.max_expanded_bytes, max(compressed_size, 1) * MAX_EXPANSION_RATIO)
    while True:
        try:
            chunk = stream.read(_CHUNK)
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
            raise IngestError(f"The compressed file is corrupt: {exc}.") from None
        if not chunk:
            return out.getvalue()
        out.write(chunk)
        if out.tell() > cap:
            raise IngestError(
                f"The compressed file expands beyond {cap:,} bytes (a ratio above {MAX_EXPANSION_RATIO}:1 or over "
                "the size limit): refused as a possible decompression bomb."
            )


def _detect_format(data: bytes, filename: str) -> str:
    name = filename.lower()
    if data[:4] == _PARQUET_MAGIC:
        return "parquet"
    if data[:2] == b"\x1f\x8b":
        return "csv.gz"
    if data[:4] == b"PK\x03\x04":
        return "csv.zip"
    if name.endswith((".parquet", ".pq")):
        raise IngestError("The file is named .parquet but is not a Parquet file (no PAR1 magic bytes).")
    return "csv"


def read_table(
    data: bytes,
    *,
    filename: str,
    limits: Limits,
    roles: dict[str, str] | None = None,
    optional_roles: dict[str, str] | None = None,
    column_types: dict[str, str] | None = None,
) -> Table:
    """Parse ``data`` into a validated ``Table`` whose feature kinds are inferred from the values. ``roles`` must
    name columns of the file; ``optional_roles`` (e.g. inherited from the reference) apply when present.
    ``typing`` records Evidently's typing of every non-role column of the file as read (``column_types`` override
    it), before the frame is normalised."""
    if len(data) > limits.max_bytes:
        raise IngestError(f"The file is {len(data):,} bytes; the limit is {limits.max_bytes:,} bytes.")
    if not data.strip():
        raise IngestError("The file is empty.")
    digest = hashlib.sha256(data).hexdigest()
    fmt = _detect_format(data, filename)
    if fmt == "parquet":
        frame = _read_parquet(data, limits)
    else:
        if fmt == "csv.gz":
            raw = _bounded_expand(gzip.GzipFile(fileobj=io.BytesIO(data)), len(data), limits)
        elif fmt == "csv.zip":
            raw = _read_zip(data, limits)
        else:
            raw = data
        frame = _read_csv(raw, limits)
        fmt = "csv" if fmt == "csv" else fmt
    inherited = {k: v for k, v in (optional_roles or {}).items() if v in frame.columns}
    roles = _validate_roles(frame, {**inherited, **(roles or {})})
    try:
        typing = type_frame(frame, exclude=roles.values(), overrides=column_types)
    except TypingError as exc:
        raise IngestError(str(exc)) from None
    features = infer_features(frame, roles, typing)
    frame = _normalise(frame, features)
    return Table(
        frame=frame,
        features=features,
        roles=roles,
        source_format=fmt,
        sha256=digest,
        size_bytes=len(data),
        typing=typing,
    )


def _read_zip(data: bytes, limits: Limits) -> bytes:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
    except zipfile.BadZipFile as exc:
        raise IngestError(f"The zip archive is corrupt: {exc}.") from None
    if len(members) != 1:
        raise IngestError(f"A zip upload must hold exactly one CSV file; this one holds {len(members)}.")
    with archive.open(members[0]) as stream:
        return _bounded_expand(stream, len(data), limits)


def _check_unquoted_shape(text: str) -> None:
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    ends = np.flatnonzero(data == 10)
    if ends.size == 0 or ends[-1] != data.size - 1:
        ends = np.append(ends, data.size)
    starts = np.concatenate(([0], ends[:-1] + 1))
    commas = np.flatnonzero(data == 44)
    fields = np.searchsorted(commas, ends) - np.searchsorted(commas, starts) + 1
    length = ends - starts - (data[np.maximum(ends - 1, 0)] == 13)  # a trailing \r is not content
    bad = np.flatnonzero((fields != fields[0]) & (length > 0))
    if bad.size:
        line, count = int(bad[0]) + 1, int(fields[bad[0]])
        raise IngestError(
            f"The CSV is malformed: line {line} has {count} field{'s' if count != 1 else ''} where the header has "
            f"{int(fields[0])}: every row needs one value per column (quote values that contain commas)."
        )


def _header_and_shape(text: str) -> list[str]:
    """The header row (a quoted field may span lines) after checking that every data row has as many fields as the
    header: pandas would otherwise shift a row with one field too many into an index and pad a short row with blanks,
    silently. Raises ``IngestError`` naming the first bad line."""
    if '"' not in text:  # no quoting: a line is a row, its commas count its fields; counted with numpy (fast)
        _check_unquoted_shape(text)
        return next(csv.reader([text.split("\n", 1)[0].rstrip("\r")]))
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
    try:
        header = next(reader)
        width = len(header)
        for row in reader:
            if len(row) != width and row:  # a blank line is skipped, as pandas does
                fields = f"{len(row)} field{'s' if len(row) != 1 else ''}"
                raise IngestError(
                    f"The CSV is malformed: line {reader.line_num} has {fields} where the header has {width}: "
                    "every row needs one value per column (quote values that contain commas)."
                )
    except csv.Error as exc:
        raise IngestError(f"The CSV is malformed at line {reader.line_num}: {exc}.") from None
    except StopIteration:
        return []
    return header


def _read_csv(raw: bytes, limits: Limits) -> pd.DataFrame:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"The CSV is not valid UTF-8 (byte {exc.start}): save it as UTF-8 and upload it again."
        ) from None
    if "\x00" in text:
        raise IngestError("The CSV contains NUL bytes: it is not a text file.")
    header = [h.strip() for h in _header_and_shape(text)]
    if not any(header):
        raise IngestError("The CSV has no header row.")
    _check_columns(header, limits)
    try:
        # The C parser types each column as a whole: numbers become int64/float64, anything mixed stays text.
        frame = pd.read_csv(
            io.StringIO(text),
            nrows=limits.max_rows + 1,
            keep_default_na=True,
            engine="c",
            low_memory=False,
            skipinitialspace=True,
            on_bad_lines="error",
        )
    except pd.errors.EmptyDataError:
        raise IngestError("The CSV is empty.") from None
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        raise IngestError(f"The CSV is malformed: {str(exc).strip()[:300]}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if list(frame.columns) != header:  # never a column renamed or shifted behind the uploader's back
        raise IngestError(f"The CSV header could not be read as written: {', '.join(header[:20])}.")
    if len(frame) > limits.max_rows:
        raise IngestError(f"The file has more than {limits.max_rows:,} rows (the limit).")
    if frame.empty:
        raise IngestError("The file has a header but no data rows.")
    return frame


def _check_columns(names: list[str], limits: Limits) -> None:
    if len(names) > limits.max_columns:
        raise IngestError(f"The file has {len(names):,} columns; the limit is {limits.max_columns:,}.")
    if any(not n for n in names):
        raise IngestError("A column has an empty name.")
    seen: set[str] = set()
    duplicates: set[str] = set()
    for name in names:
        (duplicates if name in seen else seen).add(name)
    if duplicates:
        raise IngestError(f"Duplicate column names: {', '.join(sorted(duplicates)[:10])}.")


def _read_parquet(data: bytes, limits: Limits) -> pd.DataFrame:
    import pyarrow as pa

    parquet = open_parquet(io.BytesIO(data), size_bytes=len(data), limits=limits)
    try:
        table = parquet.read()
        # ignore_metadata: never rebuild pandas objects or extension types named by the file's metadata.
        frame = table.to_pandas(ignore_metadata=True)
    except (pa.ArrowException, OSError, ValueError, MemoryError) as exc:
        raise IngestError(f"The Parquet file could not be read: {str(exc)[:300]}") from None
    frame.columns = [str(c) for c in frame.columns]
    return frame


def open_parquet(handle: Any, *, size_bytes: int, limits: Limits) -> Any:
    """A ``pyarrow.parquet.ParquetFile`` over ``handle`` once its footer passes the checks (columns, rows, plain
    types only, expanded size); nothing but the footer is read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(handle)
        meta = parquet.metadata
        arrow_schema = parquet.schema_arrow
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise IngestError(f"The Parquet file is unreadable: {str(exc)[:300]}") from None
    if meta.num_columns > limits.max_columns or len(arrow_schema) > limits.max_columns:
        raise IngestError(f"The file has {meta.num_columns:,} columns; the limit is {limits.max_columns:,}.")
    _check_columns([str(n) for n in arrow_schema.names], limits)
    if meta.num_rows > limits.max_rows:
        raise IngestError(f"The file has {meta.num_rows:,} rows; the limit is {limits.max_rows:,}.")
    if meta.num_rows == 0:
        raise IngestError("The file has a schema but no data rows.")
    for fld in arrow_schema:
        if not _plain_arrow_type(fld.type):
            raise IngestError(
                f"Column '{fld.name}' has type {fld.type}; only numbers, booleans, strings and timestamps are accepted."
            )
    expanded = _parquet_expanded_size(meta, arrow_schema)
    ratio = expanded / max(size_bytes, 1)
    if expanded > limits.max_expanded_bytes or (expanded > 50_000_000 and ratio > 5 * MAX_EXPANSION_RATIO):
        raise IngestError(
            f"The Parquet data expands to {expanded:,} bytes from {size_bytes:,}: refused as a possible "
            "decompression bomb."
        )
    return parquet


def _parquet_expanded_size(meta: Any, arrow_schema: Any) -> int:
    """In-memory size once decoded: fixed-width columns by row count (dictionary and run-length encoding make a
    footer's "uncompressed" sizes tiny for a bomb), variable-width ones by their uncompressed pages."""
    import pyarrow.types as pt

    total = 0
    for index, fld in enumerate(arrow_schema):
        if pt.is_string(fld.type) or pt.is_large_string(fld.type) or pt.is_dictionary(fld.type):
            pages = sum(meta.row_group(g).column(index).total_uncompressed_size for g in range(meta.num_row_groups))
            total += pages + 8 * meta.num_rows
        else:
            try:
                width = max(1, fld.type.bit_width // 8)
            except ValueError:
                width = 8
            total += width * meta.num_rows
    return total


def _plain_arrow_type(t: Any) -> bool:
    import pyarrow.types as pt

    if pt.is_dictionary(t):
        return bool(pt.is_string(t.value_type) or pt.is_large_string(t.value_type))
    return bool(
        pt.is_integer(t)
        or pt.is_floating(t)
        or pt.is_boolean(t)
        or pt.is_string(t)
        or pt.is_large_string(t)
        or pt.is_timestamp(t)
        or pt.is_date(t)
        or pt.is_decimal(t)
        or pt.is_null(t)
    )


def _validate_roles(frame: pd.DataFrame | Collection[str], roles: dict[str, str]) -> dict[str, str]:
    columns = frame.columns if isinstance(frame, pd.DataFrame) else frame
    clean: dict[str, str] = {}
    for role, column in roles.items():
        if role not in ROLES:
            raise IngestError(f"Unknown column role '{role}' (use {', '.join(ROLES)}).")
        if not column:
            continue
        if column not in columns:
            raise IngestError(f"The {role} column '{column}' is not in the file.")
        clean[role] = column
    if len(set(clean.values())) != len(clean):
        raise IngestError("One column cannot have two roles.")
    return clean


def infer_features(
    frame: pd.DataFrame, roles: dict[str, str], typing: list[ColumnTyping] | None = None
) -> list[ColumnSpec]:
    """The columns a drift check compares, with their kinds (``typing``: Evidently's rules; by default computed
    here). Datetime columns are kept in the data but never checked, as in Evidently."""
    role_columns = set(roles.values())
    for name in frame.columns:
        if name not in role_columns and frame[name].notna().sum() == 0:
            raise IngestError(f"Column '{name}' has no values (all missing).")
    if typing is None:
        try:
            typing = type_frame(frame, exclude=role_columns)
        except TypingError as exc:
            raise IngestError(str(exc)) from None
    features = [ColumnSpec(t.name, t.kind) for t in typing if t.checked]
    if not features:
        raise IngestError("The file has no feature columns to monitor.")
    return features


def _as_category_strings(series: pd.Series) -> pd.Series:
    if series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return series  # already Python strings (and NaN): no copy
    return series.astype(object).map(str, na_action="ignore")


def _normalise(frame: pd.DataFrame, features: list[ColumnSpec]) -> pd.DataFrame:
    """Numbers keep their dtype (Evidently computes int64 and float32 columns in their own dtype: so do we), everything
    else becomes Python strings (NaN for missing). The frame is ours (fresh from the parser): converted in place."""
    for spec in features:
        if spec.kind != NUMERICAL and not holds_numbers(frame[spec.name]):
            frame[spec.name] = _as_category_strings(frame[spec.name])
    return frame


def conform_to_reference(table: Table, reference_schema: list[dict[str, str]]) -> Table:
    """Make a current batch fit its reference's columns, or refuse it. Where the two disagree on numbers vs text the
    batch is coerced to the reference's storage: text in a reference-numeric column becomes numbers (the values that
    are not numbers are counted as type mismatches, a data-quality finding), numbers in a reference-text column become
    their labels. The batch keeps its own typing (a check types from the current data, as Evidently does)."""
    wanted = [c for c in reference_schema if c["kind"] in KINDS]
    own: dict[str, ColumnTyping | None] = {t.name: t for t in table.typing} or {c.name: None for c in table.features}
    _check_reference_columns(own, {c.name for c in table.features}, reference_schema)
    frame = table.frame
    mismatches: dict[str, int] = {}
    for ref in wanted:
        name = ref["name"]
        if pd.api.types.is_datetime64_any_dtype(frame[name].dtype):
            raise IngestError(f"Column '{name}' holds dates in this batch but {ref['kind']} values in the reference.")
        reference_numbers = _numeric_dtype_name(str(ref.get("dtype", "")))
        series, bad = coerce_to(frame[name], ref["kind"], reference_holds_numbers=reference_numbers)
        if reference_numbers and not holds_numbers(frame[name]):
            if series.notna().sum() == 0:
                raise IngestError(f"Column '{name}' is numeric in the reference but has no numbers here.")
            mismatches[name] = bad
        if series is not frame[name]:
            frame[name] = _as_category_strings(series) if not reference_numbers else series
    table.type_mismatches = mismatches
    return table


def _check_reference_columns(
    own: Collection[str], checked: Collection[str], reference_schema: list[dict[str, str]]
) -> None:
    """Refuse a batch that lacks a column the reference checks or checks one the reference does not have."""
    missing = [c["name"] for c in reference_schema if c["kind"] in KINDS and c["name"] not in own]
    extra = sorted(set(checked) - {c["name"] for c in reference_schema})
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing columns: {', '.join(missing[:20])}")
        if extra:
            parts.append(f"unexpected columns: {', '.join(extra[:20])}")
        raise IngestError("The batch does not match the reference schema (" + "; ".join(parts) + ").")


# --- Parquet a column at a time ---------------------------------------------------------------------------------


@dataclass
class ParquetScan:
    """A Parquet file validated and typed one column at a time, never whole in memory: what a stored dataset records
    about it (the file itself is kept as it is: see ``stored_as_is``)."""

    features: list[ColumnSpec]
    roles: dict[str, str]
    typing: list[ColumnTyping]
    n_rows: int
    n_columns: int
    type_mismatches: dict[str, int] = field(default_factory=dict)

    def schema(self) -> list[dict[str, str]]:
        return [t.to_dict() for t in self.typing]


def _arrow_numbers(t: Any) -> bool:
    import pyarrow.types as pt

    return bool(pt.is_integer(t) or pt.is_floating(t))


def stored_as_is(parquet: Any, reference_schema: list[dict[str, str]] | None = None) -> bool:
    """True when every column reads back as the in-memory path would store it (numbers, plain strings, timestamps,
    dates) and, for a batch, no column needs converting to its reference's storage (numbers vs text): the file can
    then be kept as it is and read one column at a time. Otherwise the caller takes the in-memory path."""
    import pyarrow.types as pt

    types = {str(fld.name): fld.type for fld in parquet.schema_arrow}
    for t in types.values():
        if not (_arrow_numbers(t) or pt.is_string(t) or pt.is_large_string(t) or pt.is_timestamp(t) or pt.is_date(t)):
            return False
    for ref in reference_schema or []:
        t = types.get(ref["name"])
        if ref["kind"] in KINDS and t is not None and _arrow_numbers(t) != _numeric_dtype_name(str(ref.get("dtype"))):
            return False
    return True


def read_column(parquet: Any, name: str) -> pd.Series:
    """One column of the file as the whole-file read gives it (only that column's chunks are read)."""
    import pyarrow as pa

    try:
        frame = parquet.read(columns=[name]).to_pandas(ignore_metadata=True)
    except (pa.ArrowException, OSError, ValueError, MemoryError) as exc:
        raise IngestError(f"The Parquet file could not be read: {str(exc)[:300]}") from None
    return frame.iloc[:, 0].rename(name)


def scan_parquet(
    parquet: Any,
    *,
    roles: dict[str, str] | None = None,
    optional_roles: dict[str, str] | None = None,
    reference_schema: list[dict[str, str]] | None = None,
    on_feature: Callable[[ColumnSpec, pd.Series], None] | None = None,
) -> ParquetScan:
    """Validate and type ``parquet`` (an ``open_parquet`` file that is ``stored_as_is``) one column at a time, with
    the rules of ``read_table`` and, given the reference's schema, of ``conform_to_reference``. ``on_feature`` sees
    each checked column once (e.g. to profile it) before the next one is read."""
    names = [str(n) for n in parquet.schema_arrow.names]
    inherited = {k: v for k, v in (optional_roles or {}).items() if v in names}
    roles = _validate_roles(names, {**inherited, **(roles or {})})
    role_columns = set(roles.values())
    wanted = {c["name"]: c for c in reference_schema or [] if c["kind"] in KINDS}
    typing: list[ColumnTyping] = []
    for name in names:
        if name in role_columns:
            continue
        series = read_column(parquet, name)
        if series.notna().sum() == 0:
            raise IngestError(f"Column '{name}' has no values (all missing).")
        if name in wanted and pd.api.types.is_datetime64_any_dtype(series.dtype):
            kind = wanted[name]["kind"]
            raise IngestError(f"Column '{name}' holds dates in this batch but {kind} values in the reference.")
        try:
            (typed,) = type_frame(series.to_frame(), exclude=())
        except TypingError as exc:
            raise IngestError(str(exc)) from None
        typing.append(typed)
        if typed.checked and on_feature is not None:
            on_feature(ColumnSpec(typed.name, typed.kind), series)
        del series
    features = [ColumnSpec(t.name, t.kind) for t in typing if t.checked]
    if not features:
        raise IngestError("The file has no feature columns to monitor.")
    if reference_schema is not None:
        _check_reference_columns({t.name for t in typing}, {c.name for c in features}, reference_schema)
    return ParquetScan(
        features=features,
        roles=roles,
        typing=typing,
        n_rows=int(parquet.metadata.num_rows),
        n_columns=len(names),
    )


def _numeric_dtype_name(name: str) -> bool:
    return name.lower().startswith(("float", "int", "uint"))
