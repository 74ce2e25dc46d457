"""Helpers for inline SVG charts shared by every app (pages and PDF reports)."""

from __future__ import annotations

import hashlib
import re

_ID = re.compile(r'\bid="([^"]+)"')
_URL_REF = re.compile(r"url\(#([^)]+)\)")
_HREF_REF = re.compile(r'((?:xlink:)?href)="#([^"]+)"')


def unique_ids(svg: str) -> str:
    """Prefix every id (and reference to it) with a content hash, so several charts inline in one HTML page or PDF
    never share a clip-path or glyph id (matplotlib numbers them the same way in every figure)."""
    prefix = "c" + hashlib.sha256(svg.encode()).hexdigest()[:10] + "-"
    svg = _ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = _URL_REF.sub(lambda m: f"url(#{prefix}{m.group(1)})", svg)
    return _HREF_REF.sub(lambda m: f'{m.group(1)}="#{prefix}{m.group(2)}"', svg)
