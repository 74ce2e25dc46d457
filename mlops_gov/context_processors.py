"""Template context for every page: the site name and the main navigation.

The navigation is one list of `NavItem`s: add a page by appending an item (with the permission it needs, and an
optional badge function returning a count for the current user, e.g. the requests awaiting their decision).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None  # shown only to users holding it (None: every logged-in user)
    badge: Callable[[Any], int] | None = None  # a count for the user, shown beside the label when > 0
    badge_label: str = "{count} waiting"  # what a screen reader says for the badge


def _awaiting_decision(user: Any) -> int:
    from registry.selectors import awaiting_count

    return awaiting_count(user)


NAVIGATION: list[NavItem] = [
    NavItem("Models", "registry:model-list"),
    NavItem(
        "Approvals",
        "registry:approvals",
        permission="registry.decide_promotionrequest",
        badge=_awaiting_decision,
        badge_label="{count} awaiting your decision",
    ),
    NavItem("Assessments", "assessments:assessment-list"),
    NavItem("Measured", "assessments:measured-overview", permission="assessments.view_assessment"),
    NavItem("Monitoring", "monitoring:dashboard"),
    NavItem("Reports", "reports:report-list"),
    NavItem("Audit", "registry:audit-list"),
]


def navigation_for(request: HttpRequest) -> list[dict[str, Any]]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = []
    # The current section is the longest nav address the page's path starts with (/models/audit/ is Audit).
    urls = [reverse(item.url_name) for item in NAVIGATION]
    matching = [u for u in urls if request.path == u or (u != "/" and request.path.startswith(u))]
    current = max(matching, key=len) if matching else None
    for item in NAVIGATION:
        if item.permission and not user.has_perm(item.permission):
            continue
        url = reverse(item.url_name)
        count = item.badge(user) if item.badge else 0
        items.append(
            {
                "label": item.label,
                "url": url,
                "current": url == current,
                "badge": count,
                "badge_label": item.badge_label.format(count=count),
            }
        )
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {"site_name": settings.MLOPS_GOV["SITE_NAME"], "navigation": navigation_for(request)}
