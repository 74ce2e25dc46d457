"""Datasets where they live: which URIs may be registered, and how to read one as a bounded, checksummed stream.

A URI names a file in object storage (``s3://``, ``gs://``, ``abfss://``) or on a path the operator allow-listed
(``file://``). It never carries credentials: the store's client takes them from the worker's environment (for S3,
``AWS_ACCESS_KEY_ID`` and friends, ``AWS_ENDPOINT_URL_S3`` for an S3-compatible server), so a URI can be stored,
audited and shown. No Django here: the service passes the operator's settings in."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import os
import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

# scheme -> the fsspec implementation package that must be installed to read it (the project's optional extras).
PROTOCOL_PACKAGES: dict[str, str | None] = {
    "s3": "s3fs",
    "gs": "gcsfs",
    "abfss": "adlfs",
    "file": None,
}
MAX_URI_LENGTH = 2000
CHUNK_BYTES = 8 * 1024 * 1024


class SourceError(ValueError):
    """A URI that may not be registered or a source that cannot be read; the message is safe to show."""


class SourceForbidden(SourceError):
    """A well-formed file:// URI the operator's allow-list refuses (file:// off, or a path outside its folders)."""


@dataclass(frozen=True)
class Source:
    uri: str
    scheme: str
    filename: str


def parse_uri(uri: str, *, file_roots: Sequence[str]) -> Source:
    """Check ``uri`` against the rules (supported scheme, no credentials, allow-listed local roots) and return it
    normalised. Raises ``SourceError`` with a message naming what to change."""
    if not isinstance(uri, str) or not uri.strip():
        raise SourceError("Give the dataset's URI, e.g. s3://bucket/path/batch.parquet.")
    uri = uri.strip()
    if len(uri) > MAX_URI_LENGTH:
        raise SourceError(f"The URI is longer than {MAX_URI_LENGTH} characters.")
    if any(ord(c) < 32 or ord(c) == 127 for c in uri):
        raise SourceError("The URI contains control characters.")
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    if scheme not in PROTOCOL_PACKAGES:
        known = ", ".join(f"{s}://" for s in PROTOCOL_PACKAGES)
        raise SourceError(f"Unsupported URI scheme '{parts.scheme or '(none)'}': use one of {known}.")
    if parts.query or parts.fragment:
        raise SourceError(
            "A dataset URI carries no query string or fragment (signed URLs carry credentials): "
            "the workers take credentials from their environment."
        )
    if scheme == "file":
        path = _local_path(parts.netloc, parts.path, file_roots)
        return Source(uri=f"file://{path}", scheme=scheme, filename=posixpath.basename(path))
    userinfo, _, host = parts.netloc.rpartition("@")
    # abfss names the container as user info (container@account.dfs.core.windows.net); nothing else may.
    if userinfo and (scheme != "abfss" or ":" in userinfo):
        raise SourceError("A dataset URI carries no user name or password: credentials come from the environment.")
    if not host:
        raise SourceError(f"Name the bucket or container: {scheme}://bucket/path/file.parquet.")
    path = parts.path
    normalised = f"{scheme}://{parts.netloc}{path}"
    if not filename_of(normalised) or path.endswith("/"):
        raise SourceError("The URI must name one file (CSV or Parquet), not a folder.")
    return Source(uri=normalised, scheme=scheme, filename=filename_of(normalised))


def _local_path(netloc: str, raw_path: str, file_roots: Sequence[str]) -> str:
    if netloc not in ("", "localhost"):
        raise SourceError("A file:// URI names a path on the workers' machines: file:///path/to/file.parquet.")
    roots = [os.path.realpath(r) for r in file_roots if r]
    if not roots:
        raise SourceForbidden(
            "file:// URIs are off: an operator allow-lists folders with DATASET_FILE_ROOTS to turn them on."
        )
    path = os.path.realpath(unquote(raw_path))
    if not any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots):
        raise SourceForbidden("That path is outside the folders allow-listed for datasets (DATASET_FILE_ROOTS).")
    if not os.path.basename(path) or os.path.isdir(path):
        raise SourceError("The URI must name one file (CSV or Parquet), not a folder.")
    return path


def filename_of(uri: str) -> str:
    return posixpath.basename(unquote(urlsplit(uri).path))


def missing_package(scheme: str) -> str | None:
    """The package the scheme needs when it is not installed (``None`` when it can be read here)."""
    package = PROTOCOL_PACKAGES.get(scheme)
    if package is None or importlib.util.find_spec(package) is not None:
        return None
    return package


class HashingStream(io.RawIOBase):
    """The object as a read-only stream that hashes what passes through and stops past ``max_bytes``: handed to a
    storage's ``save``, the object is copied in chunks, never held whole. Not seekable."""

    def __init__(self, handle: BinaryIO, uri: str, max_bytes: int) -> None:
        self._handle, self._uri, self._max = handle, uri, max_bytes
        self._digest = hashlib.sha256()
        self.size_bytes = 0

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        with _read_errors(self._uri):
            data = self._handle.read(min(len(buffer), CHUNK_BYTES))
        self.size_bytes += len(data)
        if self.size_bytes > self._max:
            raise SourceError(f"The object is larger than the import limit of {self._max:,} bytes.")
        self._digest.update(data)
        buffer[: len(data)] = data
        return len(data)


@contextlib.contextmanager
def open_stream(uri: str, *, max_bytes: int) -> Iterator[HashingStream]:
    """Open the object for one streamed, checksummed read (see ``HashingStream``)."""
    import fsspec

    with _read_errors(uri):
        handle = fsspec.open(uri, "rb").open()
    try:
        yield HashingStream(handle, uri, max_bytes)
    finally:
        handle.close()


@contextlib.contextmanager
def _read_errors(uri: str) -> Iterator[None]:
    """Transport errors of any store as ``SourceError`` with a message safe to show."""
    try:
        yield
    except SourceError:
        raise
    except FileNotFoundError:
        raise SourceError(f"Nothing found at {uri}.") from None
    except PermissionError:
        raise SourceError(f"The workers' credentials may not read {uri}.") from None
    except Exception as exc:  # noqa: BLE001 - every client library has its own errors; the message is what matters
        raise SourceError(f"Could not read {uri}: {type(exc).__name__}: {str(exc)[:300]}") from None
