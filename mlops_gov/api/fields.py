"""Serializer fields whose schema says exactly what the API accepts (the schema-driven fuzzing holds us to it)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from rest_framework import serializers
from rest_framework.exceptions import NotFound

# One URI path segment as the API documents it: letters, digits and - _ ~ ! $ & ' ( ) * + , = and dots, never
# dots alone ("." and ".." climb). No percent-encoding, spaces, backslashes, ':' '@' ';' '?' '#' or non-ASCII:
# a stricter spelling than the services accept, so every URI the pattern allows they accept too.
_SAFE = r"-A-Za-z0-9_~!$&'()*+,="  # '-' first: a literal, not a range
SEGMENT = rf"\.*[{_SAFE}][{_SAFE}.]*"
SEGMENT_RULE = "path parts of letters, digits and - _ . ~ ! $ & ' ( ) * + , = (not dots alone)"


def source_uri_pattern(schemes: Iterable[str]) -> str:
    """scheme://bucket-or-host[/path...] with one of ``schemes``."""
    alternatives = "|".join(re.escape(s) for s in sorted(schemes))
    return rf"^(?:{alternatives})://{SEGMENT}(?:/{SEGMENT})*/?$"


def file_uri_pattern(
    schemes: Iterable[str], *, container_schemes: Iterable[str] = (), local_files: bool = False
) -> str:
    """scheme://bucket/path/file (one file, never a folder); ``container_schemes`` may name a container@account;
    ``local_files`` adds file:///path/file (no host)."""
    plain = "|".join(re.escape(s) for s in sorted(set(schemes) - set(container_schemes)))
    parts = [rf"(?:{plain})://{SEGMENT}"] if plain else []
    if local_files:
        parts.append("file://")
    for scheme in sorted(container_schemes):
        parts.append(rf"{re.escape(scheme)}://(?:{SEGMENT}@)?{SEGMENT}")
    return rf"^(?:{'|'.join(parts)})(?:/{SEGMENT})*/{SEGMENT}$"


# An e-mail address as the API documents it: dot-separated words of letters, digits and _ + -, then a host name of
# at most five labels ending in letters; stricter than Django's EmailValidator, which runs too.
EMAIL = r"^[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?\.){1,4}[a-z]{2,24}$"


class CheckedPatternField(serializers.RegexField):
    """A text field documented by a pattern: the domain's own check runs first (its message says what to change),
    then the pattern, so what the schema allows and what the API accepts are the same set."""

    def __init__(self, regex: str, *, check: Callable[[str], Any], message: str, **kwargs: Any) -> None:
        self.check = check
        kwargs.setdefault("trim_whitespace", False)  # the pattern has no room for surrounding spaces
        super().__init__(regex, error_messages={"invalid": message}, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = str(super().to_internal_value(data))
        try:
            self.check(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return value


class ExistingSlugRelatedField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """A reference by name in a request body. A name that matches nothing is a 404 naming it, as for a model or a
    version named in the body or the URL: the request is well-formed, the object is missing."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if data == "":  # DRF reads "" as null for a relation; the schema says a name (or null) is given
            self.fail("invalid")
        return super().run_validation(data)

    def to_internal_value(self, data: Any) -> Model:
        if not isinstance(data, str):
            self.fail("invalid")
        queryset = self.get_queryset()
        assert queryset is not None  # a writable related field always has one
        found = queryset.filter(**{self.slug_field: data}).first()
        if found is None:
            kind = str(queryset.model._meta.verbose_name)
            raise NotFound(f"No {kind} named '{data[:200]}'.")
        return found  # type: ignore[no-any-return]
