"""JSON types are kept: a text field given a number, or a yes/no field given a number, is a 400.

DRF's CharField turns 0 into "0" and its BooleanField reads 1, 0 and "yes" as booleans, so the API accepted
bodies its own schema calls invalid ({"caveats": 0}, {"enabled": 1}). Installed once at start-up (AppConfig.ready)
for every DRF serializer; strings still arrive as strings from forms and query strings, so those keep working.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    char_to_internal = serializers.CharField.to_internal_value
    bool_to_internal = serializers.BooleanField.to_internal_value

    def strict_char(self: serializers.CharField, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return char_to_internal(self, data)

    def strict_bool(self: serializers.BooleanField, data: Any) -> bool:
        if not isinstance(data, (bool, str)):
            self.fail("invalid")
        return bool_to_internal(self, data)

    serializers.CharField.to_internal_value = strict_char  # type: ignore[method-assign,assignment]
    serializers.BooleanField.to_internal_value = strict_bool  # type: ignore[method-assign,assignment]
    _installed = True
