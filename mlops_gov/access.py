"""Page access: a permission check whose refusal says which role would open the page.

Roles and their permissions are not secret (they are the organisation's published roles), so a 403 names the
roles that hold the permission and the roles the user has. Objects the user may not see are 404s (no leak): that
is decided by the views' selectors, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def roles_with_permission(perm: str) -> list[str]:
    app_label, codename = perm.split(".", 1)
    return sorted(
        Group.objects.filter(
            permissions__content_type__app_label=app_label, permissions__codename=codename
        ).values_list("name", flat=True)
    )


def refusal(perm: str, user: Any) -> str:
    needed = roles_with_permission(perm)
    held = sorted(user.groups.values_list("name", flat=True)) if user.is_authenticated else []
    need_text = f"It needs the role {' or '.join(needed)}." if needed else "No role grants it; an administrator can."
    held_text = f"Your roles: {', '.join(held)}." if held else "You hold no role yet."
    return f"{need_text} {held_text} An administrator assigns roles."


def permission_required(
    perm: str, raise_exception: bool = True
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Like Django's decorator (logged-out users go to the login page), but the 403 names the roles needed."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(perm):
                raise PermissionDenied(refusal(perm, request.user))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
