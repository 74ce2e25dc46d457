"""List filters: the FilterSet the page and the API share, over the list's queryset."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet

from registry.filters import (
    AUDIT_ORDERING,
    MODEL_ORDERING,
    REQUEST_ORDERING,
    AuditEventFilter,
    PromotionRequestFilter,
    RegisteredModelFilter,
)
from registry.selectors.catalogue import audit_list, model_list
from registry.selectors.promotions import request_list

M = TypeVar("M", bound=Model)


def ordered(qs: QuerySet[M], ordering: str, allowed: tuple[str, ...], tiebreak: str = "-pk") -> QuerySet[M]:
    """Sort by a whitelisted key (``-key`` descending), as the API's ``ordering`` parameter does; else unchanged."""
    if ordering.lstrip("-") in allowed:
        return qs.order_by(ordering, tiebreak)
    return qs


def model_filter(params: Any, *, ordering: str = "") -> RegisteredModelFilter:
    return RegisteredModelFilter(
        params if params is not None else {}, queryset=ordered(model_list(), ordering, MODEL_ORDERING, "name")
    )


def request_filter(params: Any, *, request: Any = None, ordering: str = "") -> PromotionRequestFilter:
    qs = ordered(request_list(), ordering, REQUEST_ORDERING, "-id")
    return PromotionRequestFilter(params if params is not None else {}, queryset=qs, request=request)


def audit_filter(params: Any, *, ordering: str = "") -> AuditEventFilter:
    return AuditEventFilter(
        params if params is not None else {}, queryset=ordered(audit_list(), ordering, AUDIT_ORDERING, "-sequence")
    )
