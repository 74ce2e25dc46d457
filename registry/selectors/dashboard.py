"""The registry's dashboard cards and what waits for a user in it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from mlops_gov.actors import Actor
from registry import permissions
from registry.choices import RequestStatus, Stage
from registry.models import (
    PromotionRequest,
    RegisteredModel,
)
from registry.selectors.promotions import awaiting_count, my_requests, requests_awaiting


def dashboard_cards(*, user: Actor) -> list[dict[str, Any]]:
    counts = RegisteredModel.objects.aggregate(
        models=Count("id", distinct=True),
        production=Count("versions", filter=Q(versions__stage=Stage.PRODUCTION), distinct=True),
    )
    open_requests = PromotionRequest.objects.filter(status=RequestStatus.OPEN).count()
    cards = [
        {"label": _("Registered models"), "value": counts["models"], "url": reverse("registry:model-list")},
        {
            "label": _("In production"),
            "value": counts["production"],
            "url": reverse("registry:model-list") + "?stage=production",
        },
        {"label": _("Open promotion requests"), "value": open_requests, "url": reverse("registry:request-list")},
    ]
    if permissions.can_decide(user):
        cards.append(
            {
                "label": _("Awaiting your decision"),
                "value": requests_awaiting(user).count(),
                "url": reverse("registry:request-list") + "?awaiting=1",
            }
        )
    return cards


def needs_me(*, user: Actor) -> list[dict[str, Any]]:
    """Dashboard cards of what waits for this user in the registry: their open requests, requests awaiting their
    decision (with a 14-day trend of requests opened)."""
    from django.utils import timezone

    from mlops_gov.svg import daily_counts

    cards: list[dict[str, Any]] = []
    now = timezone.now()
    days = 14
    if permissions.can_create_models(user):
        opened = (
            my_requests(user).filter(created_at__gte=now - timedelta(days=days)).values_list("created_at", flat=True)
        )
        cards.append(
            {
                "group": _("Your work"),
                "label": _("Your open promotion requests"),
                "value": my_requests(user, status=RequestStatus.OPEN).count(),
                "url": reverse("registry:request-list") + "?status=open&mine=1",
                "trend": daily_counts(opened, days=days, now=now),
                "trend_label": _("Requests you opened per day, last %(days)d days") % {"days": days},
            }
        )
    if permissions.can_decide(user):
        opened = PromotionRequest.objects.filter(created_at__gte=now - timedelta(days=days)).values_list(
            "created_at", flat=True
        )
        cards.append(
            {
                "group": _("Your decisions"),
                "label": _("Requests awaiting your decision"),
                "value": awaiting_count(user),
                "url": reverse("registry:approvals"),
                "trend": daily_counts(opened, days=days, now=now),
                "trend_label": _("Requests opened per day, last %(days)d days") % {"days": days},
            }
        )
    return cards
