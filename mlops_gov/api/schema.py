"""The OpenAPI schema's error answers: every operation documents the 4xx it can give, in the shapes it gives them.

drf-spectacular documents the success answers it infers; this adds what the API answers when it refuses, so a
client (and the schema-driven fuzzing in .ci/run) can rely on the schema for every status: 400 (validation, by
field), 401 (no or bad credentials), 403 (role), 404 (unknown or hidden object, or a page past the end), and for
writes 409 (state conflict or references blocking a deletion), 413 (body too large) and 415 (media type).
"""

from __future__ import annotations

from typing import Any, Literal

from django.db import DatabaseError
from drf_spectacular import openapi
from rest_framework import serializers

DETAIL: dict[str, Any] = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION: dict[str, Any] = {
    "type": "object",
    "description": "Messages by field (`detail` or `non_field_errors` for the request as a whole).",
    "additionalProperties": {},
}
CONFLICT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "blocked_by": {
            "type": "array",
            "description": "For a refused deletion: what still refers to the object.",
            "items": {
                "type": "object",
                "properties": {"kind": {"type": "string"}, "count": {"type": "integer"}},
                "required": ["kind", "count"],
            },
        },
    },
    "required": ["detail"],
}
READ_ERRORS = {
    "400": ("Invalid parameters.", VALIDATION),
    "401": ("No valid credentials (see the WWW-Authenticate header).", DETAIL),
    "403": ("The caller's role does not allow this.", DETAIL),
    "404": ("No such object (or not visible to the caller), or no such page.", DETAIL),
}
WRITE_ERRORS = {
    **READ_ERRORS,
    "409": ("The object's state does not allow this now, or other records refer to it.", CONFLICT),
    "413": ("The request body is larger than the limit.", DETAIL),
    "415": ("Unsupported media type.", DETAIL),
}


# Text as the API takes it: no NUL character anywhere (and, where blank is refused, something besides spaces).
TEXT_PATTERN = r"^[^\u0000]*$"
NON_BLANK_TEXT_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


def _declared_filters(view: Any) -> dict[str, Any]:
    filterset_class = getattr(view, "filterset_class", None)
    return dict(getattr(filterset_class, "base_filters", {}))


class AutoSchema(openapi.AutoSchema):
    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        """The filter parameters as the strict FilterBackend reads them: a typed filter refuses an empty value, and a
        filter's ``min_value``/``max_value`` bound it (both are 400s the schema has to announce)."""
        from mlops_gov.api.filters import refuses_empty

        parameters: list[dict[str, Any]] = super()._get_filter_parameters()
        declared = _declared_filters(self.view)
        for parameter in parameters:
            field = declared.get(parameter.get("name", ""))
            if field is None:
                continue
            schema = parameter.setdefault("schema", {})
            if refuses_empty(field) and schema.get("type") == "string":
                if "enum" in schema:
                    schema["enum"] = [value for value in schema["enum"] if value != ""]
                else:
                    schema["minLength"] = max(1, schema.get("minLength", 0))
            choices = field.extra.get("choices")
            if callable(choices) and schema.get("type") == "string" and "enum" not in schema:
                # Choices read from the database (e.g. the frameworks): listed as they are when the schema is built.
                try:
                    values = [str(value) for value, _label in choices()]
                except (DatabaseError, RuntimeError):  # no database (offline, or a test without one): free text
                    values = []
                if values:
                    schema["enum"] = values
            if schema.get("type") in ("integer", "number"):
                for key, bound in (("min_value", "minimum"), ("max_value", "maximum")):
                    if field.extra.get(key) is not None:
                        schema[bound] = field.extra[key]
        return parameters

    def _map_serializer(self, serializer: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        """A request serializer may state what its fields alone cannot (e.g. "a model report names the model") as
        ``request_schema_extra``: a JSON-schema fragment merged into its request component (for a partial update,
        ``partial_request_schema_extra``)."""
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        partial = getattr(serializer, "partial", False)
        extra = getattr(serializer, "partial_request_schema_extra" if partial else "request_schema_extra", None)
        if direction == "request" and extra:
            schema = {**schema, **extra}
        return schema

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if direction != "request" or getattr(field, "read_only", False):
            return schema
        if (
            isinstance(field, serializers.CharField)
            and schema.get("type") == "string"
            and "pattern" not in schema
            and "enum" not in schema
            and not isinstance(field, serializers.RegexField)  # its own pattern (added after this) says more
        ):
            # Every text field refuses NUL characters (DRF's ProhibitNullCharactersValidator); one that is not
            # blank-able refuses blank (or, with trimming, whitespace-only) text too: say both.
            if field.allow_blank:
                schema = {**schema, "pattern": TEXT_PATTERN}
            else:
                schema = {**schema, "minLength": max(schema.get("minLength", 1), 1), "pattern": NON_BLANK_TEXT_PATTERN}
        elif (
            isinstance(field, serializers.JSONField)
            and not field.allow_null
            and not {"type", "oneOf", "anyOf", "allOf", "$ref"} & set(schema)
        ):
            schema = {**schema, "type": "object", "additionalProperties": {}}  # a JSON object; null is refused
        return schema

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        errors = READ_ERRORS if self.method in ("GET", "HEAD", "OPTIONS") else WRITE_ERRORS
        for code, (description, schema) in errors.items():
            responses.setdefault(
                code, {"description": description, "content": {"application/json": {"schema": schema}}}
            )
        return responses
