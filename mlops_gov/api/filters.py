"""Strict list filters: a value that does not fit the documented type is a 400, never silently ignored.

django-filter reads integer model fields with a decimal form field (``?version=0.5`` matched nothing) and booleans
with a lenient select (``?enabled=2`` filtered nothing): both answered 200 to a request the schema calls invalid.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db import models
from django.utils.translation import gettext
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from rest_framework.request import Request
    from rest_framework.views import APIView

TRUE_VALUES = ("true", "True", "1")
FALSE_VALUES = ("false", "False", "0")


class StrictBooleanField(forms.Field):
    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if value in TRUE_VALUES or value is True:
            return True
        if value in FALSE_VALUES or value is False:
            return False
        raise forms.ValidationError(gettext("Give true or false."), code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput)  # BooleanWidget turns any unknown value into "no filter"
        super().__init__(*args, **kwargs)


class IntegerFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class StrictFilterSet(filters.FilterSet):
    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        **{
            field: {"filter_class": IntegerFilter}
            for field in (
                models.IntegerField,
                models.SmallIntegerField,
                models.BigIntegerField,
                models.PositiveIntegerField,
                models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField,
                models.AutoField,
                models.BigAutoField,
            )
        },
        models.BooleanField: {"filter_class": StrictBooleanFilter},
    }


def _is_checkbox(declared: Any) -> bool:
    """A checkbox filter (the pages' "mine", "awaiting"): empty means unticked, a value like any other."""
    widget = declared.extra.get("widget")
    return widget is forms.CheckboxInput or isinstance(widget, forms.CheckboxInput)


def refuses_empty(declared: Any) -> bool:
    """Whether the API answers 400 to this filter given an empty value (text filters match all; checkboxes are
    unticked). The schema announces it (mlops_gov.api.schema)."""
    return type(declared) is not filters.CharFilter and not _is_checkbox(declared)


class FilterBackend(filters.DjangoFilterBackend):
    """DjangoFilterBackend whose generated filter sets (``filterset_fields``) are strict, and where a typed filter
    given an empty value (``?until=``, ``?status=``) is a 400 rather than no filter. The pages share the filter
    sets and keep treating an empty form field as "any"."""

    filterset_base = StrictFilterSet

    def get_filterset(self, request: Request, queryset: QuerySet[Any, Any], view: APIView) -> Any:
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            empty = [
                name
                for name, declared in filterset.filters.items()
                if request.query_params.get(name, None) == "" and refuses_empty(declared)
            ]
            if empty:
                raise ValidationError({name: [gettext("Give a value or leave the parameter out.")] for name in empty})
        return filterset
