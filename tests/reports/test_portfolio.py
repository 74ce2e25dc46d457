"""The portfolio report: every production model with owner, tier, version, approval, maturity and drift."""

from __future__ import annotations

import io

from pypdf import PdfReader

from reports import selectors, services
from reports.selectors import sections
from tests.reports.factories import make_model, make_version, promote
from tests.reports.pdf import flat, pdf_text


def test_portfolio_lists_every_production_model(personas, production):
    other = make_model(personas, name="fraud-detector", risk_tier="medium")
    make_version(personas, other)  # staging only: not in the portfolio
    rendered = services.portfolio_report_render(generated_by="audrey", variant="pdf/a-3b")
    rows = rendered.context["rows"]
    assert [r["model"].name for r in rows] == ["credit-scoring"]
    row = rows[0]
    assert row["approvers"] == ["alice"] and row["approved_at"] is not None
    assert row["drift_status"] in ("no check", "drift", "no drift")
    text = flat(pdf_text(rendered.pdf))
    for value in ("credit-scoring", "sam", "Riskmodels", "Low", "v1", "alice", row["drift_status"].replace(" ", "")):
        assert flat(value) in text, value
    assert "fraud-detector" not in text
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert reader.metadata.title == "Governance portfolio: models in production"
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape


def test_portfolio_uses_the_other_apps_rows(personas, production, monkeypatch):
    class Fake:
        @staticmethod
        def portfolio_row(*, version):
            return {
                "maturity_score": 0.72,
                "maturity_label": "Managed",
                "assessed_at": None,
                "drift_status": "drift",
                "drift_share": 0.4,
                "last_check_at": None,
            }

    monkeypatch.setattr(sections, "_app_selectors", lambda label: Fake)
    rendered = services.portfolio_report_render(generated_by="audrey", pdf=False)
    assert "72%" in rendered.html and "Managed" in rendered.html and "40%" in rendered.html
    assert rendered.context["drifting"] == 1


def test_portfolio_says_so_when_nothing_is_in_production(personas):
    rendered = services.portfolio_report_render(generated_by="audrey", pdf=False)
    assert "No model is in production." in rendered.html


def test_second_promotion_replaces_the_row(personas, production):
    v2 = make_version(personas, production.model)
    promote(personas, v2)
    rows, total = selectors.portfolio_rows()
    assert total == 1 and rows[0]["version"].version == 2


def test_dashboard_card_counts_visible_reports(personas, production):
    services.report_request(actor=personas.scientist, version=production, enqueue=False)
    assert selectors.dashboard_cards(user=personas.scientist)[0]["value"] == 1
    assert selectors.dashboard_cards(user=personas.outsider)[0]["value"] == 0
