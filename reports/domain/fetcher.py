"""The only door WeasyPrint has to the outside world while rendering a report (no Django imports).

WeasyPrint fetches every URL a document names: images, stylesheets, CSS ``@import`` and ``url()``, and
``<link rel="attachment">`` files it would embed in the PDF. With user text in the document that is a local file
read and server-side request forgery. This fetcher serves plain files that resolve (symlinks and ``..`` followed)
inside an allowed directory (the project's own static assets) and refuses every other URL: other ``file:`` paths,
``http(s):``, ``data:``, ``ftp:``, anything. Every request is logged so tests can prove what was asked.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

MAX_ASSET_BYTES = 2 * 1024 * 1024


class RefusedURL(ValueError):
    """A URL the report renderer may not fetch."""


class StaticOnlyFetcher(URLFetcher):
    def __init__(self, allowed_roots: list[Path], max_bytes: int = MAX_ASSET_BYTES) -> None:
        super().__init__(timeout=1, allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False)
        self.allowed_roots = [Path(os.path.realpath(root)) for root in allowed_roots]
        self.max_bytes = max_bytes
        self.requested: list[str] = []
        self.refused: list[str] = []
        self.served: list[str] = []

    def resolve(self, url: str) -> Path:
        """The real local path a URL stands for, if it is an allowed static file; else ``RefusedURL``."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"Only the project's static files may be fetched, not {url[:200]!r}.")
        path = Path(os.path.realpath(unquote(parts.path)))
        if not any(path.is_relative_to(root) for root in self.allowed_roots):
            raise RefusedURL(f"{url[:200]!r} is outside the project's static files.")
        if not path.is_file():
            raise RefusedURL(f"{url[:200]!r} is not a regular file.")
        if path.stat().st_size > self.max_bytes:
            raise RefusedURL(f"{url[:200]!r} is larger than {self.max_bytes} bytes.")
        return path

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        self.requested.append(url)
        try:
            path = self.resolve(url)
        except RefusedURL:
            self.refused.append(url)
            raise
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})
