"""Reports carry their own fonts (static/fonts/, OFL): the PDF names only them and reads back as typed (issue #15)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from reports import services
from tests.reports.factories import make_model, make_version
from tests.reports.pdf import flat, pdf_text

SHIPPED = {"NotoSans-Regular", "NotoSans-Bold", "NotoSansKR-Regular", "NotoSansKR-Bold", "NotoSansMono-Regular"}
MIXED = "신용평가 모델 한글 — Café Zoë, naïve Ångström, Łódź, Ελλάδα, Москва; ≤ ≥ ± \u00d7 → € £ © ™ ① ✓ 「검증」"


def pdf_fonts(data: bytes) -> set[str]:
    """The PostScript names of the font programs the PDF embeds (pages and charts alike)."""
    reader = PdfReader(io.BytesIO(data))
    names: set[str] = set()

    def collect(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font)["/FontDescriptor"].get_object()
            program = next(descriptor[k] for k in ("/FontFile2", "/FontFile3", "/FontFile") if k in descriptor)
            # The name inside the embedded font program, not the label WeasyPrint gives it from the CSS family.
            embedded = TTFont(io.BytesIO(program.get_object().get_data()))
            names.add(embedded["name"].getDebugName(6).split("+", 1)[-1])
        for ref in (resources.get("/XObject") or {}).values():
            xobject = ref.get_object()
            if "/Resources" in xobject:
                collect(xobject["/Resources"])

    for page in reader.pages:
        collect(page.get("/Resources"))
    return names


def test_the_shipped_fonts_are_small_licensed_and_named_as_the_css_expects():
    folder = Path(settings.BASE_DIR) / "static" / "fonts"
    files = {path.name: path.stat().st_size for path in folder.glob("*.woff2")}
    assert set(files) == {f"{name}.woff2" for name in SHIPPED}
    assert sum(files.values()) < 3 * 1024 * 1024, files  # subset: the repository stays small
    assert "SIL OPEN FONT LICENSE Version 1.1" in (folder / "OFL.txt").read_text()
    css = (Path(settings.BASE_DIR) / "templates" / "reports" / "_print.css").read_text()
    for name in files:
        assert f"fonts/{name}" in css


@pytest.mark.django_db
def test_korean_accented_and_symbol_text_renders_in_the_shipped_fonts(personas, fetcher_spy):
    model = make_model(personas, name="font-check", description=MIXED)
    version = make_version(personas, model, description=MIXED)
    rendered = services.model_report_render(version=version, generated_by="audrey", variant="pdf/a-3b")
    fonts = pdf_fonts(rendered.pdf)
    assert fonts and fonts <= SHIPPED, fonts
    assert {"NotoSans-Regular", "NotoSans-Bold", "NotoSansKR-Regular", "NotoSansMono-Regular"} <= fonts
    text = pdf_text(rendered.pdf)
    assert flat(MIXED) in flat(text)
    # WeasyPrint read the fonts through the static-only fetcher and nothing else.
    assert fetcher_spy.requested and all("/static/fonts/" in url for url in fetcher_spy.requested)
    assert sorted(set(fetcher_spy.requested)) == sorted(set(fetcher_spy.served))


def test_the_pdf_needs_no_installed_font(tmp_path):
    """With fontconfig knowing no font at all, the report's own fonts still draw every glyph."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
        f"<cachedir>{tmp_path}/cache</cachedir></fontconfig>"
    )
    script = f"""
import django, io, sys
django.setup()
from django.template.loader import render_to_string
from reports import rendering
css = render_to_string("reports/_print.css", {{"for_pdf": True}})
body = "<h1>{MIXED}</h1><p>{MIXED}</p><pre class=events>{MIXED}</pre>"
html = "<html><head><style>" + css + "</style></head><body>" + body + "</body></html>"
sys.stdout.buffer.write(rendering.html_to_pdf(html, variant="pdf"))
"""
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "DJANGO_SETTINGS_MODULE": "mlops_gov.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, env=env, cwd=settings.BASE_DIR, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert pdf_fonts(result.stdout) <= SHIPPED
    assert flat(MIXED) in flat(pdf_text(result.stdout))
