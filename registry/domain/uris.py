"""Validation of model artifact source URIs. No Django imports.

A source is accepted only with an allowed scheme and a path that cannot climb out of its root, in any spelling:
``../``, ``..\\``, percent-encoded (once or repeatedly), ``;`` path parameters, ``?``/``#`` tricks, NUL bytes,
absolute local paths and ``file://``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

_MAX_LENGTH = 2048
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class InvalidSourceUri(ValueError):
    pass


def _fully_unquote(text: str, rounds: int = 5) -> str:
    for _ in range(rounds):
        decoded = unquote(text)
        if decoded == text:
            return text
        text = decoded
    raise InvalidSourceUri("source URI is percent-encoded too many times")


def _has_traversal(path: str) -> bool:
    normalised = path.replace("\\", "/")
    for segment in normalised.split("/"):
        bare = segment.split(";", 1)[0].strip()
        if bare in {"..", "."} or (bare.startswith("..") and set(bare) <= {".", " "}):
            return True
    return False


def validate_source_uri(uri: str, *, allowed_schemes: Iterable[str]) -> str:
    """Return the URI unchanged when safe, else raise ``InvalidSourceUri`` with the reason."""
    if not isinstance(uri, str) or not uri.strip():
        raise InvalidSourceUri("source URI is empty")
    if len(uri) > _MAX_LENGTH:
        raise InvalidSourceUri(f"source URI is longer than {_MAX_LENGTH} characters")
    if uri != uri.strip():
        raise InvalidSourceUri("source URI has leading or trailing whitespace")
    decoded = _fully_unquote(uri)
    if _CONTROL.search(decoded):
        raise InvalidSourceUri("source URI contains control characters")
    parts = urlsplit(uri)
    scheme = parts.scheme.lower()
    allowed = sorted({s.lower() for s in allowed_schemes})
    if not scheme or not _SCHEME.match(scheme):
        raise InvalidSourceUri(f"source URI needs a scheme; allowed: {', '.join(allowed)}")
    if scheme not in allowed:
        raise InvalidSourceUri(f"scheme {scheme!r} is not allowed; allowed: {', '.join(allowed)}")
    if "\\" in decoded:
        raise InvalidSourceUri("source URI contains a backslash")
    # Check every spelling: raw, decoded, and query/fragment (some stores treat them as part of the key).
    for candidate in (
        parts.path,
        _fully_unquote(parts.path),
        decoded,
        _fully_unquote(parts.query),
        _fully_unquote(parts.fragment),
    ):
        if _has_traversal(candidate):
            raise InvalidSourceUri("source URI contains path traversal ('..')")
    if "@" in parts.netloc:
        raise InvalidSourceUri("source URI must not carry credentials")
    if scheme in {"s3", "gs", "wasbs", "abfss", "https", "hdfs"} and not parts.netloc:
        raise InvalidSourceUri(f"{scheme}:// source URI needs a bucket or host")
    return uri
