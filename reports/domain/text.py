"""Bounding user text before it reaches the renderer (pure, no Django).

A report must stay bounded in time and memory whatever users typed: every free-text field is cut at a character
limit and a line limit, and the cut is said plainly in the document.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Clipped:
    text: str
    omitted_chars: int

    @property
    def truncated(self) -> bool:
        return self.omitted_chars > 0


def clip(value: object, *, max_chars: int, max_lines: int) -> Clipped:
    """Cut ``value`` at ``max_chars`` characters or ``max_lines`` lines, whichever comes first."""
    text = "" if value is None else str(value)
    kept = text[:max_chars]
    if kept.count("\n") >= max_lines:
        cut = -1
        for _ in range(max_lines):
            cut = kept.index("\n", cut + 1)
        kept = kept[:cut]
    return Clipped(kept, len(text) - len(kept))


def truncation_note(omitted_chars: int) -> str:
    return f"[Truncated for the report: {omitted_chars:,} more characters are in the registry.]"


_ZWSP = "\u200b"


def soft_wrap(text: str, every: int = 60) -> str:
    """Insert a zero-width space into every run of ``every`` non-space characters.

    A single long "word" (a hash, a URL, or a hostile 1 MB string of one letter) otherwise makes the layout
    engine try every break point of the run: measured at ~37 s for 20,000 characters, against ~2 s once it has
    ordinary break opportunities. Invisible in the document and in copied text once spaces are ignored.
    """
    out: list[str] = []
    run = 0
    for char in text:
        if char.isspace():
            run = 0
        else:
            run += 1
            if run > every:
                out.append(_ZWSP)
                run = 1
        out.append(char)
    return "".join(out)


EVENT_COLUMNS = (
    ("#", 7, ">"),
    ("When (UTC)", 19, "<"),
    ("Actor (via)", 20, "<"),
    ("Action", 26, "<"),
    ("Hash", 12, "<"),
)
# Characters of Noto Sans Mono across the report's text width at the listing's size (174 mm at 6.2 pt).
LISTING_CHARS = 130
OBJECT_MAX_CHARS = 600
CONTINUATION = " " * 8


def _split(text: str, width: int) -> tuple[str, str]:
    """The first ``width`` characters of ``text`` (cut at its last space or hyphen within them if any), the rest."""
    if len(text) <= width:
        return text, ""
    cut = max(text.rfind(" ", 0, width + 1), text.rfind("-", 0, width) + 1)
    if cut <= 0:
        cut = width
    return text[:cut].rstrip(), text[cut:].lstrip()


def _cell(value: object, width: int, align: str) -> str:
    text = " ".join(str(value if value is not None else "").split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.rjust(width) if align == ">" else text.ljust(width)


def event_listing(rows: list[tuple[object, ...]]) -> str:
    """A listing of audit events people can read: one line per event of fixed-width columns (number, time, actor
    and channel, action, hash) and the object it concerns, in full, last; a long object name continues on the next
    lines under its own column.

    Rows are ``(sequence, when, actor, channel, action, object, hash)``. WeasyPrint lays out a 1,000-row HTML table
    in tens of seconds (every cell is a box measured twice); the same rows as lines of one preformatted block take
    about a second, and its cost grows with the characters laid out: one line per event (no indented second line)
    keeps the full names within the earlier listing's cost (docs/benchmarks.md).
    """
    header = " ".join(_cell(name, width, align) for name, width, align in EVENT_COLUMNS) + " Object"
    first_width = LISTING_CHARS - len(header) + len("Object")
    lines = [header, "-" * LISTING_CHARS]
    for sequence, when, actor, channel, action, obj, digest in rows:
        who = f"{actor} ({channel})" if channel else str(actor)
        cells = (sequence, when, who, action, digest)
        text = " ".join(str(obj if obj is not None else "").split())
        if len(text) > OBJECT_MAX_CHARS:
            text = text[: OBJECT_MAX_CHARS - 1] + "…"
        row = " ".join(_cell(v, w, a) for v, (_, w, a) in zip(cells, EVENT_COLUMNS, strict=True))
        first, rest = _split(text or "—", first_width)
        lines.append(f"{row} {first}")
        # The rest of a long name on indented lines of the full width (indenting it under its column would lay
        # out ~90 spaces per line).
        lines.extend(CONTINUATION + more for more in textwrap.wrap(rest, LISTING_CHARS - len(CONTINUATION)))
    return "\n".join(lines)
