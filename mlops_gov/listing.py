"""Sorting a list by a whitelisted key, as the API's ``ordering`` parameter does: the pages' header links and the
API accept the same keys (declared beside each list's FilterSet)."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def ordered(qs: QuerySet[Any], ordering: str, allowed: tuple[str, ...], tiebreak: str = "-pk") -> QuerySet[Any]:
    """Sort by ``ordering`` (``-key`` descending) when it is one of ``allowed``; else leave the order unchanged."""
    if ordering.lstrip("-") in allowed:
        return qs.order_by(ordering, tiebreak)
    return qs


def since_filter(field_name: str = "created_at") -> django_filters.IsoDateTimeFilter:
    label = _("Since")
    return django_filters.IsoDateTimeFilter(field_name=field_name, lookup_expr="gte", label=label, widget=_DATETIME)


def until_filter(field_name: str = "created_at") -> django_filters.IsoDateTimeFilter:
    label = _("Until")
    return django_filters.IsoDateTimeFilter(field_name=field_name, lookup_expr="lte", label=label, widget=_DATETIME)


class PeriodFilterMixin:
    """For a FilterSet with ``since`` and ``until``: until before since is an error, not an empty list."""

    form: forms.Form

    def is_valid(self) -> bool:
        valid: bool = super().is_valid()  # type: ignore[misc]
        data = getattr(self.form, "cleaned_data", {})
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.form.add_error("until", _("Until is before since: swap the two dates."))
            return False
        return valid
