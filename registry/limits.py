"""Size and content limits shared by every door (REST, MLflow, pages): one rule, one message, wherever text enters.

Descriptions are capped at 100,000 characters; tags follow MLflow's limits (key 1-250 characters, value up to
5,000) and are plain strings. No text may hold a NUL character (PostgreSQL cannot store it, and it hides text).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

DESCRIPTION_MAX = 100_000
TAG_KEY_MAX = 250
TAG_VALUE_MAX = 5_000
TAGS_MAX = 200


def check_text(field: str, value: str, limit: int = DESCRIPTION_MAX) -> str:
    """``value`` if it fits: at most ``limit`` characters and no NUL; else a ValidationError naming ``field``."""
    if len(value) > limit:
        raise ValidationError({field: [f"At most {limit:,} characters ({len(value):,} given)."]})
    if "\x00" in value:
        raise ValidationError({field: ["Contains a NUL character."]})
    return value


def check_tags(tags: Any, field: str = "tags") -> dict[str, str]:
    """Tags as a ``{key: value}`` object of strings within MLflow's limits; else a ValidationError on ``field``."""
    if not isinstance(tags, dict):
        raise ValidationError({field: ["Give tags as a JSON object of string keys and string values."]})
    if len(tags) > TAGS_MAX:
        raise ValidationError({field: [f"At most {TAGS_MAX} tags ({len(tags)} given)."]})
    for key, value in tags.items():
        if not isinstance(key, str) or not 1 <= len(key) <= TAG_KEY_MAX:
            raise ValidationError({field: [f"A tag key must have 1 to {TAG_KEY_MAX} characters."]})
        if not isinstance(value, str):
            raise ValidationError({field: [f"The value of tag '{key[:100]}' must be a string."]})
        if len(value) > TAG_VALUE_MAX:
            raise ValidationError(
                {field: [f"The value of tag '{key[:100]}' may have at most {TAG_VALUE_MAX:,} characters."]}
            )
        if "\x00" in key or "\x00" in value:
            raise ValidationError({field: [f"Tag '{key[:100]!r}' contains a NUL character."]})
    return tags
