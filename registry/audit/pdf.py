"""Read the audit checkpoint a governance report carries in its XMP metadata (``verify_audit --against``)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from registry.domain import checkpoint as cp


def checkpoint_from_pdf(path: Path) -> cp.Checkpoint:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError
    from pypdf.generic import DictionaryObject

    try:
        reader = PdfReader(path)
        metadata = cast(DictionaryObject, reader.trailer["/Root"]).get("/Metadata")
        xmp = metadata.get_object().get_data() if metadata is not None else b""
    except (PyPdfError, OSError, ValueError, KeyError, TypeError) as exc:
        raise cp.CheckpointError(f"{path} is not a readable PDF ({exc})") from None
    return cp.from_xmp(xmp)
