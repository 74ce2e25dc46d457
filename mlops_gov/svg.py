"""Helpers for inline SVG charts shared by every app (pages and PDF reports)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

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


# SVG properties that are also presentation attributes (SVG 1.1, section 6.4): the same styling, written as
# attributes, which WeasyPrint's SVG renderer and browsers read alike.
_PRESENTATION = frozenset(
    (
        *("fill", "fill-opacity", "fill-rule", "opacity", "text-anchor"),
        *("stroke", "stroke-width", "stroke-linejoin", "stroke-linecap", "stroke-opacity"),
        *("stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit"),
    )
)
_STYLE = re.compile(r'\sstyle="([^"]*)"')
# matplotlib's default sheet, e.g. <style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style>
_DEFAULT_SHEET = re.compile(r'<style type="text/css">\*\{([^{}]*)\}</style>')


def _declarations(text: str) -> list[tuple[str, str]]:
    pairs = (part.partition(":") for part in text.split(";"))
    return [(name.strip(), value.strip()) for name, _, value in pairs if name.strip()]


def _split(text: str) -> tuple[str, list[str]]:
    """(presentation attributes, declarations that stay CSS)."""
    attributes, kept = [], []
    for name, value in _declarations(text):
        if name in _PRESENTATION and '"' not in value:
            attributes.append(f' {name}="{value}"')
        else:
            kept.append(f"{name}: {value}")
    return "".join(attributes), kept


def presentation_attributes(svg: str) -> str:
    """Move SVG-only properties (fill, stroke, text-anchor, ...) out of ``style`` attributes into presentation
    attributes. Inline in HTML, WeasyPrint validates ``style`` against HTML CSS and logs every SVG-only property as
    "Ignored ... unknown property" (about a thousand lines per report); as attributes they draw the same, silently.

    A sheet rule outranks a presentation attribute, so matplotlib's ``*{...}`` default sheet becomes attributes of
    the root element instead (inherited, so each element's own attribute still wins, as its style did before)."""

    def rewrite(match: re.Match[str]) -> str:
        attributes, kept = _split(match.group(1))
        return attributes + (f' style="{"; ".join(kept)}"' if kept else "")

    sheet = _DEFAULT_SHEET.search(svg)
    root_attributes = ""
    if sheet is not None:
        root_attributes, kept = _split(sheet.group(1))
        replacement = f'<style type="text/css">*{{{"; ".join(kept)}}}</style>' if kept else ""
        svg = svg[: sheet.start()] + replacement + svg[sheet.end() :]
    svg = _STYLE.sub(rewrite, svg)
    return svg.replace("<svg ", f"<svg{root_attributes} ", 1) if root_attributes else svg


def inline_svg(svg: str) -> str:
    """An SVG ready to sit inline in a page or a PDF with others: unique ids, presentation attributes."""
    return unique_ids(presentation_attributes(svg))


def sparkline(values: Sequence[float], *, label: str, width: int = 96, height: int = 24) -> str:
    """A small inline line chart of ``values`` (oldest first) for a table cell or a card: no axes, the last point
    marked, the numbers in its accessible name. Empty when there is nothing to draw."""
    from html import escape

    points = [float(v) for v in values if v is not None]
    if not points:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0
    pad = 2.0
    step = (width - 2 * pad) / max(len(points) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return pad + i * step, height - pad - (v - low) / span * (height - 2 * pad)

    coords = [xy(i, v) for i, v in enumerate(points)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    last_x, last_y = coords[-1]
    numbers = ", ".join(f"{v:g}" for v in points)
    return (
        f'<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(label)}: {numbers}</title>'
        f'<polyline points="{line}" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2" fill="currentColor"/></svg>'
    )


def daily_counts(timestamps: Iterable[datetime], *, days: int, now: datetime) -> list[int]:
    """How many of ``timestamps`` fall on each of the last ``days`` days (oldest first), for a sparkline."""
    counts = [0] * days
    today = now.date()
    for moment in timestamps:
        index = days - 1 - (today - moment.date()).days
        if 0 <= index < days:
            counts[index] += 1
    return counts
