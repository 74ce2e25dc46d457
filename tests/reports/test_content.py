"""The produced PDF read back: key values, sections, metadata, table of contents, PDF/A, empty sections."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from registry.audit import audit_head
from reports import services
from tests.reports.factories import make_model, make_version
from tests.reports.pdf import assert_no_attachments, flat, pdf_text

SECTION_TITLES = (
    "Contents",
    "1. Identity and lineage",
    "2. Business goal and KPI",
    "3. Model card",
    "4. Promotion history",
    "5. Maturity",
    "6. Monitoring",
    "7. Audit events",
    "About this document",
)


@pytest.fixture
def rendered(production):
    return services.model_report_render(version=production, generated_by="audrey", variant="pdf/a-3b")


def test_pdf_has_key_values_and_every_section(rendered, production, personas):
    text = flat(pdf_text(rendered.pdf))
    for title in SECTION_TITLES:
        assert flat(title) in text, title
    head = audit_head()
    expected = [
        "credit-scoring",
        "v1",
        "Production",
        "Risk models",
        "Low",
        "audrey",
        "sam",
        "CaféZoë",
        "신용평가모델",  # accented Latin and Korean come out as typed
        "intendedusetext",
        "Beatsv0oneverymetric.",
        "Looksgood.",
        "alice",
        "model_card",
        "metrics",
        f"#{head['sequence']}",
        head["hash"],
        "verified",
        "accuracy",
        "0.91",
        "promotion.applied",
        "version.created",
        "Gradientboosting,300trees.",
    ]
    missing = [value for value in expected if flat(value) not in text]
    assert not missing, missing


def test_pdf_says_plainly_when_a_section_has_no_data(personas):
    model = make_model(personas, name="bare-model")
    version = make_version(personas, model, metrics={}, card={"intended_use": ""})
    text = flat(pdf_text(services.model_report_render(version=version, generated_by="sam").pdf))
    for sentence in (
        "No promotion request recorded for this model.",
        "No evaluation metrics recorded for this version.",
        "No business goal recorded.",
        "No success KPI recorded.",
        "Not filled in.",
    ):
        assert flat(sentence) in text, sentence
    # Maturity and monitoring come from the other apps: each section renders (no assembly error).
    assert flat("could not be assembled") not in text


def test_sections_of_apps_without_a_report_context_say_no_data(personas, monkeypatch):
    from reports.selectors import sections

    monkeypatch.setattr(sections, "_app_selectors", lambda label: None)
    model = make_model(personas, name="bare-model")
    version = make_version(personas, model)
    text = flat(pdf_text(services.model_report_render(version=version, generated_by="sam").pdf))
    assert flat("No maturity assessment recorded for this model.") in text
    assert flat("No drift or data-quality check recorded for this version.") in text


def test_a_failing_section_fails_the_report_instead_of_shipping_without_its_evidence(personas, production, monkeypatch):
    # Issue #13.6: a report whose Monitoring section read "could not be assembled" was issued and signed off.
    from reports.selectors import sections

    class Broken:
        @staticmethod
        def report_context(*, version):
            raise RuntimeError("boom")

    monkeypatch.setattr(sections, "_app_selectors", lambda label: Broken)
    with pytest.raises(sections.ReportSectionError, match=r"section of the report for .* could not be assembled"):
        services.model_report_render(version=production, generated_by="sam", pdf=False)


def test_pdf_metadata_pdfa_fonts_and_page_numbers(rendered):
    reader = PdfReader(io.BytesIO(rendered.pdf))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Governance report: credit-scoring v1"
    assert meta.author == "audrey"
    assert "credit-scoring" in (meta.subject or "")
    root: Any = reader.trailer["/Root"]  # pypdf types trailer entries as the PdfObject union
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8", "replace")
    assert "pdfaid:part" in xmp and "3" in xmp.split("pdfaid:part")[1][:10]
    assert "/OutputIntents" in root
    pages = len(reader.pages)
    assert pages >= 5
    assert f"Page 1 of {pages}" in pdf_text(rendered.pdf)
    # Every font is embedded (archival requirement), including the Korean face for the Korean description.
    fonts = set()
    for page in reader.pages:
        page_resources: Any = page["/Resources"]
        resources = page_resources.get("/Font") or {}
        for ref in resources.values():
            font = ref.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font).get("/FontDescriptor").get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.get("/BaseFont")
            fonts.add(str(font.get("/BaseFont")))
    assert any("KR" in f for f in fonts), fonts
    assert_no_attachments(rendered.pdf)


def test_table_of_contents_points_at_real_pages(rendered):
    reader = PdfReader(io.BytesIO(rendered.pdf))
    texts = [page.extract_text() for page in reader.pages]
    assert texts[1].startswith("Contents")
    for title in ("4. Promotion history", "7. Audit events"):  # chapters flow: a title may sit mid-page
        page = next(i for i, t in enumerate(texts[2:], start=3) if re.search(rf"^{re.escape(title)}$", t, re.M))
        assert re.search(rf"^{re.escape(title)}\s*\.+\s*{page}\s*$", texts[1], re.MULTILINE), (title, page)


def test_plain_pdf_variant_and_html_preview_share_the_template(production):
    plain = services.model_report_render(version=production, generated_by="sam", variant="pdf")
    assert plain.pdf.startswith(b"%PDF-")
    preview = services.model_report_render(version=production, generated_by="sam", pdf=False)
    assert preview.pdf == b""
    assert "HTML preview of the governance report" in preview.html
    for title in ("Identity and lineage", "Promotion history", "Audit events"):
        assert title in preview.html and title in plain.html


def test_unknown_variant_is_refused(production):
    from mlops_gov.errors import DomainError

    with pytest.raises(DomainError):
        services.model_report_render(version=production, generated_by="sam", variant="pdf/x-99")
