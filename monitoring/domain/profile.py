"""The reference profile: what every drift (and data-quality) check needs from a reference dataset, computed ONCE.

No Django imports. Per numeric column: the sorted finite values (float64), the missing count, the number of
infinite values, min, max, unique count and the population standard deviation (computed the way Evidently computes
it, on the column in its original order). Per categorical column: the value counts (keys are canonical strings).

Evidently drops NaN and +-inf before every stat test, so the sorted values and the category counts here are exactly
the reference sample a stat test sees. Serialisation is an uncompressed ``.npz`` (one member per numeric column,
written one column at a time by ``ProfileWriter``) with a JSON header; loading uses ``allow_pickle=False``: a profile
file can never execute code.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

NUMERICAL, CATEGORICAL, TEXT = "numerical", "categorical", "text"
KINDS = (NUMERICAL, CATEGORICAL, TEXT)  # the kinds a drift check compares
FORMAT_VERSION = 1


class ProfileError(ValueError):
    """The reference data cannot be profiled (or a stored profile cannot be read); the message says why."""


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: str  # NUMERICAL, CATEGORICAL or TEXT

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ProfileError(f"Column {self.name!r}: kind must be one of {', '.join(KINDS)}, not {self.kind!r}.")


@dataclass
class NumericStats:
    """A numeric column of the reference. ``values`` are the finite values, sorted ascending."""

    values: np.ndarray
    n_missing: int
    n_infinite: int
    minimum: float
    maximum: float
    n_unique: int
    std: float  # np.std (ddof=0) of the finite values in their original order, as Evidently computes it
    is_integer: bool  # the source dtype was an integer type (numpy's histogram bins differ for integer data)
    dtype: str = "float64"  # the source numpy dtype (Evidently's binning and std run in it)


@dataclass
class CategoricalStats:
    """A categorical column of the reference: value -> count, missing values excluded."""

    counts: dict[str, int]
    n_missing: int

    @property
    def n_values(self) -> int:
        return sum(self.counts.values())


@dataclass
class ReferenceProfile:
    """Everything a drift check (and data-quality check) needs from a reference dataset, computed ONCE at upload:
    per numeric column the sorted non-null values (float64), min, max, unique count, missing share; per categorical
    column the value counts; n_rows."""

    columns: list[ColumnSpec]
    n_rows: int
    numeric: dict[str, NumericStats] = field(default_factory=dict, repr=False)
    categorical: dict[str, CategoricalStats] = field(default_factory=dict, repr=False)
    _derived: dict[str, CategoricalStats] = field(default_factory=dict, repr=False, compare=False)

    # ----------------------------------------------------------------------------------------------- building
    @classmethod
    def from_frame(cls, frame: pd.DataFrame, columns: list[ColumnSpec]) -> ReferenceProfile:
        """Profile ``columns`` of ``frame``. Raises ``ProfileError`` naming the column when one is missing, a numeric
        column holds non-numbers, or a column has no usable (non-missing, finite) value."""
        if not columns:
            raise ProfileError("The reference profile needs at least one column.")
        names = [spec.name for spec in columns]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ProfileError(f"Duplicate column names: {', '.join(duplicates)}.")
        if frame.columns.duplicated().any():
            dup = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
            raise ProfileError(f"The reference data has duplicate column names: {', '.join(dup)}.")
        profile = cls(columns=list(columns), n_rows=len(frame))
        for spec in columns:
            if spec.name not in frame.columns:
                raise ProfileError(f"Column {spec.name!r} is not in the reference data.")
            series = frame[spec.name]
            # Stored by what the values are, not by kind: numbers keep their sorted values (an integer column typed
            # categorical here may be numerical in a batch typed from its own data); everything else its counts.
            if spec.kind == NUMERICAL or _holds_numbers(series):
                profile.numeric[spec.name] = numeric_stats(series, spec.name, where="reference")
            else:
                profile.categorical[spec.name] = categorical_stats(series, spec.name, where="reference")
        return profile

    # ----------------------------------------------------------------------------------------------- reading
    def spec(self, name: str) -> ColumnSpec:
        for spec in self.columns:
            if spec.name == name:
                return spec
        raise KeyError(f"Column {name!r} is not in the reference profile.")

    def numeric_stats(self, name: str) -> NumericStats:
        try:
            return self.numeric[name]
        except KeyError:
            raise KeyError(f"Column {name!r} is not a numeric column of the reference profile.") from None

    def categorical_stats(self, name: str) -> CategoricalStats:
        """Value counts of a column; for a column stored as numbers, derived from its sorted values (the counts a
        categorical stat test sees: the same canonical keys as ``category_counts``)."""
        found = self.categorical.get(name) or self._derived.get(name)
        if found is not None:
            return found
        stats = self.numeric.get(name)
        if stats is None:
            raise KeyError(f"Column {name!r} is not a column of the reference profile.")
        counts: dict[str, int] = {}
        values = stats.values
        if values.size:
            starts = np.concatenate(([0], np.flatnonzero(np.diff(values)) + 1))
            sizes = np.diff(np.concatenate((starts, [values.size])))
            for key, size in zip(values[starts].tolist(), sizes.tolist(), strict=True):
                canonical = category_key(key)
                counts[canonical] = counts.get(canonical, 0) + int(size)
        derived = CategoricalStats(counts=counts, n_missing=stats.n_missing + stats.n_infinite)
        self._derived[name] = derived
        return derived

    def holds_numbers(self, name: str) -> bool:
        return name in self.numeric

    def numeric_range(self, name: str) -> tuple[float, float]:
        stats = self.numeric_stats(name)
        return stats.minimum, stats.maximum

    def sorted_values(self, name: str) -> np.ndarray:
        """The finite reference values of a numeric column, sorted (read-only view)."""
        values = self.numeric_stats(name).values.view()
        values.flags.writeable = False
        return values

    def categories(self, name: str) -> dict[str, int]:
        return dict(self.categorical_stats(name).counts)

    def unique_count(self, name: str) -> int:
        if name in self.numeric:
            return self.numeric[name].n_unique
        return len(self.categorical_stats(name).counts)

    def missing_share(self, name: str) -> float:
        self.spec(name)
        if not self.n_rows:
            return 0.0
        stats = self.numeric.get(name) or self.categorical[name]
        return stats.n_missing / self.n_rows

    # ----------------------------------------------------------------------------------------------- storage
    def to_bytes(self) -> bytes:
        """Serialise without pickle: an ``.npz`` archive with a JSON header and one float64 array per numeric column."""
        buffer = io.BytesIO()
        writer = ProfileWriter(buffer)
        for spec in self.columns:
            if spec.name in self.numeric:
                writer.add_numeric(spec, self.numeric[spec.name])
            else:
                writer.add_categorical(spec, self.categorical[spec.name])
        writer.finish(self.n_rows)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes | BinaryIO, columns: Collection[str] | None = None) -> ReferenceProfile:
        """Load a stored profile; with ``columns``, only those columns (in the stored order): each numeric column is
        its own member of the archive, so a worker that checks a few columns of a wide reference reads only theirs
        from a seekable file."""
        wanted = None if columns is None else set(columns)
        try:
            source = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
            with np.load(source, allow_pickle=False) as archive:
                header = json.loads(archive["header"].tobytes().decode("utf-8"))
                if header.get("format") != FORMAT_VERSION:
                    raise ProfileError(f"Unsupported reference profile format {header.get('format')!r}.")
                specs = [ColumnSpec(item["name"], item["kind"]) for item in header["columns"]]
                if wanted is not None:
                    unknown = wanted - {spec.name for spec in specs}
                    if unknown:
                        raise ProfileError(f"Not in the reference profile: {', '.join(sorted(unknown)[:10])}.")
                    specs = [spec for spec in specs if spec.name in wanted]
                    header["numeric"] = {k: v for k, v in header["numeric"].items() if k in wanted}
                    header["categorical"] = {k: v for k, v in header["categorical"].items() if k in wanted}
                profile = cls(columns=specs, n_rows=int(header["n_rows"]))
                for name, item in header["numeric"].items():
                    values = np.asarray(archive[item["array"]], dtype=np.float64)
                    profile.numeric[name] = NumericStats(
                        values=values,
                        n_missing=int(item["n_missing"]),
                        n_infinite=int(item["n_infinite"]),
                        minimum=float(item["minimum"]),
                        maximum=float(item["maximum"]),
                        n_unique=int(item["n_unique"]),
                        std=float(item["std"]),
                        is_integer=bool(item["is_integer"]),
                        dtype=_numeric_dtype_name(item.get("dtype", "int64" if item["is_integer"] else "float64")),
                    )
                for name, item in header["categorical"].items():
                    profile.categorical[name] = CategoricalStats(
                        counts=dict(zip(item["keys"], (int(c) for c in item["counts"]), strict=True)),
                        n_missing=int(item["n_missing"]),
                    )
        except ProfileError:
            raise
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ProfileError(f"Not a readable reference profile: {exc}") from exc
        for spec in profile.columns:
            if spec.name not in profile.numeric and (spec.kind == NUMERICAL or spec.name not in profile.categorical):
                raise ProfileError(f"Reference profile is missing the statistics of column {spec.name!r}.")
        return profile


class ProfileWriter:
    """Writes a stored profile one column at a time, so building the profile of a wide reference never holds more
    than one column: each numeric column's sorted values go into the archive (an uncompressed ``.npz``, the format
    ``from_bytes`` reads) as soon as they are computed and are then dropped; the JSON header, small, goes last.

    ``add`` takes one column's values, in the profile's column order; ``finish`` closes the archive."""

    def __init__(self, target: BinaryIO) -> None:
        self._columns: list[ColumnSpec] = []
        self._numeric: dict[str, Any] = {}
        self._categorical: dict[str, Any] = {}
        self._archive = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True)

    def add(self, spec: ColumnSpec, series: pd.Series) -> None:
        """Profile one column of the reference (the same statistics as ``ReferenceProfile.from_frame``)."""
        # Stored by what the values are, not by kind (as from_frame does).
        if spec.kind == NUMERICAL or _holds_numbers(series):
            self.add_numeric(spec, numeric_stats(series, spec.name, where="reference"))
        else:
            self.add_categorical(spec, categorical_stats(series, spec.name, where="reference"))

    def add_numeric(self, spec: ColumnSpec, stats: NumericStats) -> None:
        key = f"num_{self._append(spec)}"
        self._member(key, np.ascontiguousarray(stats.values, dtype=np.float64))
        self._numeric[spec.name] = {
            "array": key,
            "n_missing": stats.n_missing,
            "n_infinite": stats.n_infinite,
            "minimum": stats.minimum,
            "maximum": stats.maximum,
            "n_unique": stats.n_unique,
            "std": stats.std,
            "is_integer": stats.is_integer,
            "dtype": stats.dtype,
        }

    def add_categorical(self, spec: ColumnSpec, stats: CategoricalStats) -> None:
        self._append(spec)
        self._categorical[spec.name] = {
            "keys": list(stats.counts.keys()),
            "counts": [int(v) for v in stats.counts.values()],
            "n_missing": stats.n_missing,
        }

    def _append(self, spec: ColumnSpec) -> int:
        if any(known.name == spec.name for known in self._columns):
            raise ProfileError(f"Duplicate column names: {spec.name}.")
        self._columns.append(spec)
        return len(self._columns) - 1

    def finish(self, n_rows: int) -> None:
        if not self._columns:
            raise ProfileError("The reference profile needs at least one column.")
        header: dict[str, Any] = {
            "format": FORMAT_VERSION,
            "n_rows": int(n_rows),
            "columns": [{"name": spec.name, "kind": spec.kind} for spec in self._columns],
            # in the columns' order, as the in-memory profile stores them
            "numeric": {s.name: self._numeric[s.name] for s in self._columns if s.name in self._numeric},
            "categorical": {s.name: self._categorical[s.name] for s in self._columns if s.name in self._categorical},
        }
        encoded = json.dumps(header, allow_nan=False, ensure_ascii=False).encode("utf-8")
        self._member("header", np.frombuffer(encoded, dtype=np.uint8))
        self._archive.close()

    def _member(self, key: str, array: np.ndarray) -> None:
        with self._archive.open(f"{key}.npy", "w", force_zip64=True) as member:
            np.lib.format.write_array(member, array, allow_pickle=False)


# ---------------------------------------------------------------------------------------------------- helpers
def _numeric_dtype_name(name: str) -> str:
    dtype = np.dtype(name)  # raises TypeError on anything that is not a plain numpy dtype name
    if dtype.kind not in "biuf":
        raise ValueError(f"not a numeric dtype: {name!r}")
    return dtype.name


def _holds_numbers(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)


def source_dtype(series: pd.Series) -> np.dtype:
    """The numpy dtype Evidently's numpy calls see for this column (extension dtypes: their numpy equivalent)."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        return dtype
    numpy_dtype = getattr(dtype, "numpy_dtype", None)
    return numpy_dtype if isinstance(numpy_dtype, np.dtype) else np.dtype(np.float64)


def finite_values(series: pd.Series, name: str, *, where: str) -> tuple[np.ndarray, int, int, bool]:
    """The finite values of a numeric column as float64 (original order), its NaN count and its +-inf count."""
    if not (pd.api.types.is_numeric_dtype(series.dtype) or series.dtype == bool):
        raise ProfileError(f"Column {name!r} in the {where} data should contain numerical values only.")
    is_integer = source_dtype(series).kind in "iu"
    if isinstance(series.dtype, np.dtype):
        values = series.to_numpy().astype(np.float64, copy=False)  # a view for float64: no copy, no NA pass
    else:  # pandas extension dtypes (nullable Int64, Float64, ...)
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(values)
    if finite.all():
        return values, 0, 0, is_integer
    n_nan = int(np.isnan(values).sum())
    n_bad = len(values) - int(np.count_nonzero(finite))
    return values[finite], n_nan, n_bad - n_nan, is_integer


def numeric_stats(series: pd.Series, name: str, *, where: str = "reference") -> NumericStats:
    values, n_nan, n_inf, is_integer = finite_values(series, name, where=where)
    if values.size == 0:
        raise ProfileError(
            f"Column {name!r} has no usable value in the {where} data (all missing or infinite): "
            "drift cannot be computed for it."
        )
    # Evidently computes np.std on the cleaned pandas Series in its original order and dtype: do the same.
    dtype = source_dtype(series)
    if dtype == np.float64:
        std = float(np.std(pd.Series(values, copy=False)))
    else:  # float32 variances differ from float64 ones at ~1e-9: compute exactly as Evidently does
        std = float(np.std(series.replace([-np.inf, np.inf], np.nan).dropna()))
    ordered = np.sort(values)
    n_unique = int(np.count_nonzero(np.diff(ordered))) + 1
    return NumericStats(
        values=ordered,
        n_missing=n_nan,
        n_infinite=n_inf,
        minimum=float(ordered[0]),
        maximum=float(ordered[-1]),
        n_unique=n_unique,
        std=std,
        is_integer=is_integer,
        dtype=dtype.name,
    )


def category_key(value: Any) -> str:
    """Canonical text of a category, so that 1, 1.0 and np.int64(1) (equal for pandas) count as one value."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        as_float = float(value)
        if math.isfinite(as_float) and as_float.is_integer() and abs(as_float) < 2**53:
            return str(int(as_float))
        return repr(as_float)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def category_counts(series: pd.Series) -> tuple[dict[str, int], int]:
    """Value counts of a categorical column (missing values and +-inf excluded, as Evidently does) and the NaN count.

    One hashing pass (``value_counts(dropna=False)``); NaN and +-inf are then removed from the (small) index."""
    counts = series.value_counts(dropna=False, sort=False)
    index = counts.index
    values = counts.to_numpy()
    n_missing = 0
    if isinstance(series.dtype, pd.CategoricalDtype):
        keep = values > 0  # unused categories are listed with a zero count
        index, values = index[keep], values[keep]
    if index.hasnans:
        missing = np.asarray(index.isna())
        n_missing = int(values[missing].sum())
        index, values = index[~missing], values[~missing]
    out: dict[str, int] = {}
    if index.inferred_type == "string":
        for key, count in zip(index.tolist(), values.tolist(), strict=True):
            out[key] = out.get(key, 0) + int(count)
        return out, n_missing
    for key, count in zip(index.tolist(), values.tolist(), strict=True):
        if isinstance(key, float | np.floating) and math.isinf(key):
            continue  # Evidently replaces +-inf by NaN in every column before a stat test
        canonical = category_key(key)
        out[canonical] = out.get(canonical, 0) + int(count)
    return out, n_missing


def categorical_stats(series: pd.Series, name: str, *, where: str = "reference") -> CategoricalStats:
    counts, n_missing = category_counts(series)
    if not counts:
        raise ProfileError(
            f"Column {name!r} has no usable value in the {where} data (all missing): drift cannot be computed for it."
        )
    return CategoricalStats(counts=counts, n_missing=n_missing)
