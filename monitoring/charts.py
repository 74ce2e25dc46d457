"""Inline SVG charts (matplotlib, Agg backend, XML prolog stripped) for the pages and the PDF report.

Column names and category values are user text: they never reach matplotlib's math parser (``text.parse_math`` off
for every chart), so ``$\\undefinedcommand{x}$`` is drawn as written instead of raising."""

from __future__ import annotations

import functools
import io
import itertools
import re
import textwrap
import warnings
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, ParamSpec

from django.utils.translation import gettext

from mlops_gov.svg import inline_svg

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType  # matplotlib itself is imported lazily (start-up time)

_REF_COLOUR, _CUR_COLOUR, _LINE = "#4b5563", "#dc2626", "#1d4ed8"
P = ParamSpec("P")


RC: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",  # text stays text: a chart is ~5 kB instead of ~30 kB
    "svg.hashsalt": "mlops-gov",  # stable ids: the same data gives the same SVG
    "text.parse_math": False,  # user text ($...$) is text, never mathtext
}


def _charting(build: Callable[P, str]) -> Callable[P, str]:
    """Build a chart entirely under ``RC`` (matplotlib reads ``text.parse_math`` when each text artist is made and
    parses at draw time: both happen inside), leaving the process-wide settings untouched."""

    @functools.wraps(build)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> str:
        import matplotlib

        matplotlib.use("Agg")
        with matplotlib.rc_context(RC), warnings.catch_warnings():
            # Korean labels: matplotlib's own font has no Hangul, but the text stays text in the SVG and the page's
            # (or the PDF's) Korean font draws it, so the missing-glyph warning says nothing useful.
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
            return build(*args, **kwargs)

    return wrapper


def _figure(width: float = 5.0, height: float = 2.4):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    return fig, fig.add_subplot(1, 1, 1)


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    text = re.sub(r"^<\?xml[^>]*>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text)
    return inline_svg(text.strip())


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=7)


@_charting
def drift_trend_svg(points: list[tuple[datetime, float]], threshold: float | None = None) -> str:
    """Share of drifted columns per check over time, with the dataset-drift threshold. Empty below two checks."""
    if len(points) < 2:
        return ""
    fig, ax = _figure()
    _style(ax)
    if points:
        xs = list(range(1, len(points) + 1))
        ax.plot(xs, [p[1] for p in points], marker="o", color=_LINE, linewidth=1.5, markersize=3)
        labels = [p[0].strftime("%m-%d") for p in points]
        step = max(1, len(xs) // 8)
        ax.set_xticks(xs[::step], labels[::step])
    if threshold is not None:
        ax.axhline(
            threshold,
            color=_CUR_COLOUR,
            linestyle="--",
            linewidth=1,
            label=gettext("threshold %(value)s") % {"value": f"{threshold:.2f}"},
        )
        ax.legend(fontsize=7, frameon=False, loc="upper left")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(gettext("drifted share"), fontsize=8)
    return _svg(fig)


@_charting
def distribution_svg(column: str, distribution: dict[str, Any]) -> str:
    """Reference vs current distribution of one column: a histogram (numeric) or category shares."""
    fig, ax = _figure(4.6, 2.2)
    _style(ax)
    if distribution.get("type") == "histogram":
        edges = distribution["edges"]
        centres = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
        width = (edges[1] - edges[0]) if len(edges) > 1 else 1.0
        ax.bar(
            centres, distribution["reference"], width=width, alpha=0.55, color=_REF_COLOUR, label=gettext("reference")
        )
        ax.bar(centres, distribution["current"], width=width, alpha=0.55, color=_CUR_COLOUR, label=gettext("current"))
    elif distribution.get("type") == "categories":
        cats = [c if len(c) <= 14 else c[:13] + "…" for c in distribution["categories"]]
        xs = list(range(len(cats)))
        ax.bar(
            [x - 0.2 for x in xs], distribution["reference"], width=0.4, color=_REF_COLOUR, label=gettext("reference")
        )
        ax.bar([x + 0.2 for x in xs], distribution["current"], width=0.4, color=_CUR_COLOUR, label=gettext("current"))
        ax.set_xticks(xs, cats, rotation=30, ha="right")
    ax.set_title("\n".join(textwrap.wrap(column, 40)) or column, fontsize=9)  # long names wrap, not cut
    ax.set_ylabel(gettext("share"), fontsize=8)
    ax.legend(fontsize=7, frameon=False)
    return _svg(fig)


def spark_svg(column: str, distribution: dict[str, Any]) -> str:
    """A small reference-vs-current preview for a table row: paired bars per bin or category (SVG by hand, no
    matplotlib: a 13-column check renders in microseconds). Empty when the distribution is unknown."""
    from django.utils.html import escape

    ref, cur = distribution.get("reference") or [], distribution.get("current") or []
    n = min(len(ref), len(cur), 24)
    if n == 0:
        return ""
    top = max(max(ref[:n]), max(cur[:n])) or 1.0
    width, height, slot = 96, 24, 96 / n
    bars = []
    for i in range(n):
        for offset, value, colour in ((0.1, ref[i], _REF_COLOUR), (0.5, cur[i], _CUR_COLOUR)):
            h = max(0.5, height * float(value) / top)
            bars.append(
                f'<rect x="{i * slot + offset * slot:.2f}" y="{height - h:.2f}" width="{slot * 0.4:.2f}" '
                f'height="{h:.2f}" fill="{colour}"/>'
            )
    label = escape(gettext("Distribution of %(column)s: reference in grey, current in red") % {"column": column})
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{label}">{"".join(bars)}</svg>'
    )
