"""HTML and PDF rendering of reports: one Django template for the browser preview and for WeasyPrint."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from reports.choices import ReportVariant
from reports.domain.fetcher import StaticOnlyFetcher

# WeasyPrint logs every layout step at INFO; keep its warnings (refused URLs) only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

MODEL_TEMPLATE = "reports/report.html"
PORTFOLIO_TEMPLATE = "reports/portfolio.html"


def static_roots() -> list[Path]:
    """The only directories the renderer may read from: the project's own static files."""
    return [Path(p) for p in settings.STATICFILES_DIRS]


def make_fetcher() -> StaticOnlyFetcher:
    return StaticOnlyFetcher(static_roots())


def render_html(template: str, context: dict[str, Any], *, for_pdf: bool) -> str:
    """The report page; the other apps' sections (``reports.selectors.app_section`` data) rendered first."""
    if "sections" in context:
        version = context.get("version")
        context = {**context, "sections": [section_html(s, version=version) for s in context["sections"]]}
    return render_to_string(template, {**context, "for_pdf": for_pdf})


def section_html(section: dict[str, Any], *, version: Any) -> dict[str, Any]:
    """One app's section rendered with its own ``<app>/report_section.html``: ``html`` (safe), or None with
    ``empty`` (no data) or ``error`` (the app has no template)."""
    label, data = section["key"], section.get("data")
    if not data:
        return {**section, "html": None, "error": ""}
    try:
        html = render_to_string(f"{label}/report_section.html", {**data, "section": data, "version": version})
    except TemplateDoesNotExist:
        return {**section, "html": None, "empty": "", "error": f"The {label} app provides no report template yet."}
    # Safe: rendered by an autoescaping Django template; charts are SVG strings that app generated itself.
    safe: SafeString = mark_safe(html)
    return {**section, "html": safe, "error": ""}


def html_to_pdf(
    html: str, *, variant: str = ReportVariant.PDF_A, fetcher: StaticOnlyFetcher | None = None, xmp: bytes | None = None
) -> bytes:
    """Render with WeasyPrint through the static-only fetcher. ``variant`` "pdf" or a PDF/A name. ``xmp``: an RDF
    description added to the document's XMP metadata packet (written for plain PDFs too)."""
    from weasyprint import HTML  # imported lazily: pango/cairo are only needed by the renderer

    if variant not in ReportVariant.values:
        raise ValueError(f"Unknown PDF variant {variant!r}.")
    fetcher = fetcher or make_fetcher()
    base_url = static_roots()[0].resolve().as_uri() + "/"
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    options: dict[str, Any] = {"uncompressed_pdf": False}
    if variant != ReportVariant.PDF:
        options["pdf_variant"] = variant
    if xmp is None:
        return document.write_pdf(**options)
    rendered = document.render(**options)
    rendered.metadata.xmp_metadata.append(xmp)
    return rendered.write_pdf(finisher=_ensure_xmp_packet, **options)


def _ensure_xmp_packet(document: Any, pdf: Any) -> None:
    """PDF/A writes the XMP packet itself; a plain PDF gets one here, holding the same metadata."""
    if "Metadata" not in pdf.catalog:
        document.metadata.include_in_pdf(pdf, "", None, None, compress=True)
