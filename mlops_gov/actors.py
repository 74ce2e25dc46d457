"""Who acts and who reads: the types of the ``actor`` and ``user`` parameters of services and selectors.

Services receive an ``Actor``: the signed-in person on whose behalf a page, the API, the admin or the MLflow door
writes (the account model is Django's own ``User``). Where a service says ``Actor | None``, ``None`` is the system
acting (a management command, the demo seed, a task). Selectors and permission checks also answer for visitors who
are not signed in: they take a ``Viewer`` (or ``None``, which they treat as nobody).
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

Actor: TypeAlias = User
Viewer: TypeAlias = User | AnonymousUser


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user is signed in (for the type checker only; Django
    builds the request)."""

    user: User
