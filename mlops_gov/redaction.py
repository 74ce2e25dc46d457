"""Redaction of tokenised URLs for people who may not edit webhooks. No Django imports.

Webhook URLs often carry their credential in the path or query (chat and incident tools do) or before the host; a
redacted URL keeps the scheme and host (enough to tell where alerts go) and hides the rest.
"""

from __future__ import annotations

import contextlib
import re
import urllib.parse
from typing import Any

_URL_IN_TEXT = re.compile(r"https?://[^\s\"'<>]+", re.I)


def redact_url(url: str) -> str:
    """``scheme://host[:port]/…``: what a reader without the right to edit webhooks sees."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    with contextlib.suppress(ValueError):  # a malformed port: leave it out
        if parts.port is not None:
            host = f"{host}:{parts.port}"
    hidden = parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password
    return f"{parts.scheme}://{host}/…" if hidden else f"{parts.scheme}://{host}/"


def redact_urls(value: Any) -> Any:
    """Every http(s) URL inside ``value`` (strings, nested dicts and lists) redacted; other values unchanged."""
    if isinstance(value, str):
        return _URL_IN_TEXT.sub(lambda m: redact_url(m.group(0)), value)
    if isinstance(value, dict):
        return {key: redact_urls(item) for key, item in value.items()}
    if isinstance(value, list):
        return [redact_urls(item) for item in value]
    return value
