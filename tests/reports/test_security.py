"""Hostile text in every user field that reaches a report: nothing is fetched, read or embedded; bounded render."""

from __future__ import annotations

import io
import time

import pytest
from pypdf import PdfReader

from registry import services as registry_services
from registry.choices import MODEL_CARD_FIELDS
from registry.models import Team
from reports import rendering, services
from tests.reports.factories import make_model, make_version, promote
from tests.reports.pdf import assert_no_attachments, flat, pdf_text

HOSTILE = (
    '<img src="file:///etc/passwd">'
    '<link rel="attachment" href="file:///etc/passwd">'
    "<style>@import url(file:///etc/passwd); @import 'http://169.254.169.254/latest/meta-data/';"
    " body { background: url(http://169.254.169.254/) } p { background: url(/dev/urandom) }</style>"
    '<div style="background-image: url(file:///etc/shadow)">x</div>'
    '<object data="file:///etc/passwd"></object><iframe src="http://169.254.169.254/"></iframe>'
)
FORBIDDEN_FRAGMENTS = ("passwd", "shadow", "169.254", "urandom")


@pytest.fixture
def hostile_production(personas):
    team = Team.objects.get(pk=personas.team.pk)
    team.name = f"Team {HOSTILE}"[:100]
    team.save()
    model = make_model(
        personas,
        name="hostile-model",
        description=HOSTILE,
        business_goal=HOSTILE,
        success_kpi=HOSTILE,
        tags={HOSTILE: HOSTILE},
    )
    version = make_version(
        personas,
        model,
        card={field: HOSTILE for field in MODEL_CARD_FIELDS},
        metrics={"accuracy": 0.9, HOSTILE[:60]: 1.0},
        description=HOSTILE,
        training_dataset=HOSTILE[:500],
        framework=HOSTILE[:100],
        parameters={HOSTILE: HOSTILE},
        input_signature={"columns": [{"name": HOSTILE, "type": "double"}, {"name": "age", "type": "long"}]},
    )
    promote(personas, version, justification=HOSTILE, comment=HOSTILE)
    return version


def only_shipped_fonts(urls: list[str]) -> bool:
    return all(url.startswith("file://") and "/static/fonts/Noto" in url and url.endswith(".woff2") for url in urls)


def test_hostile_text_everywhere_is_shown_as_text_and_never_fetched(hostile_production, fetcher_spy):
    rendered = services.model_report_render(version=hostile_production, generated_by="audrey", variant="pdf/a-3b")
    # The renderer asked for nothing but the report's own fonts: every hostile tag and stylesheet stayed escaped text.
    assert fetcher_spy.fetchers, "the spy must have seen the renderer's fetcher"
    assert only_shipped_fonts(fetcher_spy.requested)
    assert "<img" not in rendered.html.split("<body>", 1)[1]
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in rendered.html
    text = pdf_text(rendered.pdf)
    assert "root:x:0:0" not in text and "/bin/bash" not in text
    assert "<img src=" in text  # shown literally, for the reader to see what was typed
    assert_no_attachments(rendered.pdf)


def test_hostile_portfolio_fetches_nothing(hostile_production, fetcher_spy):
    rendered = services.portfolio_report_render(generated_by="audrey")
    assert only_shipped_fonts(fetcher_spy.requested)
    assert "hostile-model" in flat(pdf_text(rendered.pdf))
    assert_no_attachments(rendered.pdf)


def test_raw_hostile_html_is_refused_by_the_fetcher():
    """Defence in depth: even unescaped markup reaching WeasyPrint cannot read files, call out or attach."""
    fetcher = rendering.make_fetcher()
    html = f"""<html><head><title>t</title>
      <link rel="stylesheet" href="css/app.css">
      {HOSTILE}
      <link rel="attachment" href="../../../../../etc/passwd">
      </head><body><p>hello</p><img src="/etc/passwd"><img src="data:image/png;base64,iVBORw0KGgo="></body></html>"""
    pdf = rendering.html_to_pdf(html, variant="pdf", fetcher=fetcher)
    served = fetcher.served
    # The project's own assets are allowed: the style sheet, and the fonts it names (its Korean faces).
    assert served[0].endswith("/static/css/app.css")
    assert all(url.split("/static/", 1)[-1].startswith("fonts/") for url in served[1:]), served
    for url in fetcher.requested:
        if url not in served:
            assert url in fetcher.refused
    refused = " ".join(fetcher.refused)
    for fragment in ("/etc/passwd", "169.254.169.254", "/dev/urandom", "/etc/shadow", "data:image"):
        assert fragment in refused
    assert "root:x:0:0" not in pdf_text(pdf)
    assert_no_attachments(pdf)


def test_megabyte_description_renders_bounded(personas, fetcher_spy):
    model = make_model(personas, name="verbose-model")
    version = make_version(personas, model, description="lorem ipsum dolor " * 60_000)
    # One 1 MB "word" (the worst case for line breaking) and half a million lines.
    registry_services.model_update(
        model=model, actor=personas.scientist, description="x" * 1_048_576, business_goal="x\n" * 500_000
    )
    version.refresh_from_db()
    assert len(version.description) > 1_000_000 and len(version.model.description) == 1_048_576
    started = time.monotonic()
    rendered = services.model_report_render(version=version, generated_by="sam", variant="pdf")
    elapsed = time.monotonic() - started
    assert elapsed < 60, f"rendering took {elapsed:.1f} s"
    assert len(rendered.html) < 300_000  # the 1 MB fields were cut at the documented limit
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert len(reader.pages) < 40
    text = pdf_text(rendered.pdf)
    assert "Truncated for the report" in text
    assert only_shipped_fonts(fetcher_spy.requested)
