"""Report reads: assemble everything a governance report shows, from every app, in a bounded number of queries.

The package is split along its seams (access, sections from other apps, the model report, the portfolio); every
public name stays importable as ``reports.selectors.X``.
"""

from reports.selectors.access import (
    dashboard_cards,
    needs_me,
    production_version,
    report_filter,
    report_list,
    report_version,
)
from reports.selectors.model_report import (
    CARD_LABELS,
    chain_state,
    cover_summary,
    person,
    person_named,
    promotion_history,
    report_context,
)
from reports.selectors.portfolio import (
    portfolio_context,
    portfolio_rows,
)
from reports.selectors.sections import (
    APP_SECTIONS,
    ReportSectionError,
    app_portfolio_row,
    app_section,
)

__all__ = [
    "APP_SECTIONS",
    "CARD_LABELS",
    "ReportSectionError",
    "app_portfolio_row",
    "app_section",
    "chain_state",
    "cover_summary",
    "dashboard_cards",
    "needs_me",
    "person",
    "person_named",
    "portfolio_context",
    "portfolio_rows",
    "production_version",
    "promotion_history",
    "report_context",
    "report_filter",
    "report_list",
    "report_version",
]
