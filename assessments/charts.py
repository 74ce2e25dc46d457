"""Server-side charts as inline SVG strings (matplotlib, Agg; no pyplot state), for the pages and the PDF reports.

The SVG is our own output: text as <text> elements, no XML prolog, no metadata block, no external references.
Labels are escaped by matplotlib's SVG writer.
"""

from __future__ import annotations

import io
import math
import re
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.projections.polar import PolarAxes
from matplotlib.typing import RcKeyType

from mlops_gov.svg import inline_svg

# text.parse_math off: labels are user text (dimension names, titles) and never reach matplotlib's math parser
_RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "mlops-gov",
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "text.parse_math": False,
}
_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]


def _to_svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():
        # Korean labels: matplotlib measures them with DejaVu Sans, which has no Hangul, and says so per glyph. The
        # SVG keeps them as text; pages and reports draw them in Noto Sans KR (the shipped font), so only the
        # measured width is approximate.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    svg = _METADATA.sub("", _PROLOG.sub("", buffer.getvalue(), count=1)).strip()
    return inline_svg(svg)


def _short(label: str, width: int = 22) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _wrapped(label: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def radar_svg(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    previous: Sequence[float | None] | None = None,
    title: str = "",
    current_label: str = "this assessment",
    previous_label: str = "previous",
) -> str:
    """A dimension radar (0..1 per dimension); ``previous`` is drawn dashed for comparison. None counts as 0."""
    count = len(labels)
    if count < 3:  # a radar needs three axes; fall back to bars
        return bars_svg(labels, values, title=title)
    angles = [2 * math.pi * i / count for i in range(count)] + [0.0]
    with rc_context(_RC):
        figure = Figure(figsize=(4.6, 4.2))
        axes = cast(PolarAxes, figure.add_subplot(projection="polar"))
        axes.set_theta_offset(math.pi / 2)
        axes.set_theta_direction(-1)
        axes.set_ylim(0, 1)
        axes.set_yticks([0.25, 0.5, 0.75, 1.0], labels=["25%", "50%", "75%", "100%"], fontsize=6)
        axes.set_xticks(angles[:-1], labels=[_wrapped(lbl) for lbl in labels])  # wrapped, never cut
        if previous is not None:
            closed = [v or 0.0 for v in previous] + [previous[0] or 0.0]
            axes.plot(angles, closed, color="#7f7f7f", linestyle="--", linewidth=1, label=previous_label)
        closed = [v or 0.0 for v in values] + [values[0] or 0.0]
        axes.plot(angles, closed, color=_COLOURS[0], linewidth=1.6, label=current_label)
        axes.fill(angles, closed, color=_COLOURS[0], alpha=0.18)
        if previous is not None:
            axes.legend(loc="lower right", bbox_to_anchor=(1.25, -0.12), fontsize=6, frameon=False)
        if title:
            axes.set_title(title, pad=18)
        return _to_svg(figure)


def bars_svg(labels: Sequence[str], values: Sequence[float | None], *, title: str = "") -> str:
    with rc_context(_RC):
        figure = Figure(figsize=(4.6, 0.4 + 0.3 * max(len(labels), 1)))
        axes = figure.add_subplot()
        axes.barh([_short(lbl, 30) for lbl in labels], [v or 0.0 for v in values], color=_COLOURS[0])
        axes.set_xlim(0, 1)
        axes.invert_yaxis()
        if title:
            axes.set_title(title)
        return _to_svg(figure)


def trend_svg(
    series: Mapping[str, Sequence[tuple[datetime, float | None]]], *, title: str = "", ylabel: str = "score (0-1)"
) -> str:
    """Lines over time, one per series (e.g. overall and each dimension); values 0..1. Empty below two points in
    time: one point is not a trend (the page or report shows the value instead)."""
    if max((len(points) for points in series.values()), default=0) < 2:
        return ""
    with rc_context(_RC):
        figure = Figure(figsize=(6.4, 3.0))
        axes = figure.add_subplot()
        for index, (name, points) in enumerate(series.items()):
            kept = [(at, v) for at, v in points if v is not None]
            if not kept:
                continue
            width = 2.2 if index == 0 else 1.0
            # matplotlib plots datetimes through its date converter; its stubs only list numeric arrays.
            axes.plot(
                [at for at, _ in kept],  # type: ignore[arg-type]
                [v for _, v in kept],
                marker="o",
                markersize=3,
                linewidth=width,
                color=_COLOURS[index % len(_COLOURS)],
                label=_short(name, 28),
            )
        axes.set_ylim(0, 1.02)
        axes.set_ylabel(ylabel)
        axes.grid(True, linewidth=0.3)
        figure.autofmt_xdate()
        if len(series) > 1:
            axes.legend(fontsize=6, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
        if title:
            axes.set_title(title)
        return _to_svg(figure)
