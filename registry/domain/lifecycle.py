"""The version lifecycle as data: which stage moves are allowed, and which need a promotion request."""

from __future__ import annotations

NONE, STAGING, PRODUCTION, ARCHIVED = "none", "staging", "production", "archived"

ALLOWED_MOVES: dict[str, tuple[str, ...]] = {
    NONE: (STAGING, ARCHIVED),
    STAGING: (PRODUCTION, ARCHIVED),
    PRODUCTION: (ARCHIVED,),
    ARCHIVED: (STAGING,),  # a rollback candidate goes back through staging
}

GOVERNED_TARGETS = frozenset({PRODUCTION})


class InvalidTransition(ValueError):
    pass


def check_move(current: str, target: str) -> None:
    """Raise ``InvalidTransition`` naming the allowed moves when ``current -> target`` is not one of them."""
    allowed = ALLOWED_MOVES.get(current, ())
    if target not in allowed:
        choices = ", ".join(allowed) or "none"
        raise InvalidTransition(f"Cannot move a version from {current} to {target}; allowed from {current}: {choices}.")


def needs_promotion_request(target: str) -> bool:
    return target in GOVERNED_TARGETS
