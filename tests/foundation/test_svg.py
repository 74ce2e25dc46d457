"""Inline SVG charts: unique ids across charts, and SVG-only styling as presentation attributes."""

from __future__ import annotations

import io
import logging
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from mlops_gov.svg import inline_svg, presentation_attributes


def _chart(title: str) -> str:
    matplotlib.rcParams["svg.fonttype"] = "none"
    figure, axes = plt.subplots(figsize=(2, 1))
    axes.plot([1, 2, 3], [3, 1, 2], "--")
    axes.set_title(title)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    return buffer.getvalue()


def test_style_declarations_become_attributes_and_the_rest_stays_css():
    svg = '<svg x="1"><path style="fill: none; stroke: #000; font: 8px \'A\'; stroke-width: 0.8"/></svg>'
    out = presentation_attributes(svg)
    assert '<path fill="none" stroke="#000" stroke-width="0.8" style="font: 8px \'A\'"/>' in out


def test_default_sheet_becomes_inherited_root_attributes():
    svg = '<svg x="1"><style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style><path/></svg>'
    assert presentation_attributes(svg) == '<svg stroke-linejoin="round" stroke-linecap="butt" x="1"><path/></svg>'


def test_matplotlib_chart_keeps_no_svg_only_css():
    svg = inline_svg(_chart("drift"))
    styles = re.findall(r'style="([^"]*)"', svg)
    assert styles and not any(re.search(r"\b(fill|stroke|text-anchor)\b", style) for style in styles)
    assert 'stroke-dasharray="' in svg and 'text-anchor="middle"' in svg and "<style" not in svg


def test_two_charts_share_no_id():
    first, second = inline_svg(_chart("a")), inline_svg(_chart("b"))
    ids = re.compile(r'\bid="([^"]+)"')
    assert not set(ids.findall(first)) & set(ids.findall(second))


def test_weasyprint_renders_inline_charts_without_warnings(caplog):
    from weasyprint import HTML

    html = f"<html><body>{inline_svg(_chart('a'))}{inline_svg(_chart('b'))}</body></html>"
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = HTML(string=html).write_pdf()
    assert pdf.startswith(b"%PDF")
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]
