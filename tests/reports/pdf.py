"""Reading the PDFs a test rendered: their text, whitespace-free comparison, and the absence of attachments."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def flat(text: str) -> str:
    """Text extraction splits lines anywhere: compare without whitespace."""
    return "".join(text.replace("\u200b", "").split())


def assert_no_attachments(data: bytes) -> None:
    reader = PdfReader(io.BytesIO(data))
    root: Any = reader.trailer["/Root"]  # pypdf types trailer entries as the PdfObject union
    names = root.get("/Names")
    assert names is None or "/EmbeddedFiles" not in names.get_object()
    assert reader.attachments == {}
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            assert annot.get_object().get("/Subtype") != "/FileAttachment"
