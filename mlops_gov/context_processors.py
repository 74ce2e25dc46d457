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
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_WAITING = _("{count} waiting")


@dataclass(frozen=True)
class NavItem:
    label: str | Promise  # marked for translation (gettext_lazy): shown in the reader's language
    url_name: str
    permission: str | None = None  # shown only to users holding it (None: every logged-in user)
    badge: Callable[[Any], int] | None = None  # a count for the user, shown beside the label when > 0
    badge_label: str | Promise = _WAITING  # what a screen reader says for the badge


def _awaiting_decision(user: Any) -> int:
    from registry.selectors import awaiting_count

    return awaiting_count(user)


NAVIGATION: list[NavItem] = [
    NavItem(_("Models"), "registry:model-list"),
    NavItem(
        _("Approvals"),
        "registry:approvals",
        permission="registry.decide_promotionrequest",
        badge=_awaiting_decision,
        badge_label=_("{count} awaiting your decision"),
    ),
    NavItem(_("Assessments"), "assessments:assessment-list"),
    NavItem(_("Measured"), "assessments:measured-overview", permission="assessments.view_assessment"),
    NavItem(_("Monitoring"), "monitoring:dashboard"),
    NavItem(_("Reports"), "reports:report-list"),
    NavItem(_("Audit"), "registry:audit-list"),
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
                "badge_label": str(item.badge_label).format(count=count),
            }
        )
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_name": settings.MLOPS_GOV["SITE_NAME"],
        "navigation": navigation_for(request),
        # The switcher names each language in itself (not translated, unlike {% get_available_languages %}).
        "languages": settings.LANGUAGES,
    }
