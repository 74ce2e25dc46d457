from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from mlops_gov import context, i18n

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _channel(path: str) -> str:
    """Which door a request came through, as the audit trail names it."""
    if path.startswith("/api/2.0/mlflow/"):
        return "mlflow"
    if path.startswith("/api/"):
        return "api"
    return "admin" if path.startswith("/admin/") else "web"


class RequestIdMiddleware:
    """Give each request a correlation id (kept from ``X-Request-ID`` when well-formed) and an action context."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else str(uuid.uuid4())
        request.request_id = request_id  # type: ignore[attr-defined]  # read by views and the error pages
        channel = _channel(request.path)
        # The actor is resolved lazily by the audit service from request.user (auth runs later in the chain).
        with context.acting(actor=_LazyUser(request), channel=channel, request_id=request_id):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class _LazyUser:
    """Defers reading request.user until the audit service needs it (DRF sets it after authentication)."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def resolve(self) -> Any:
        user = getattr(self._request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


class LanguageMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware (language cookie, then Accept-Language), with a signed-in person's saved language
    first (see mlops_gov.i18n)."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = i18n.session_language(request)
        if chosen is None:
            super().process_request(request)
            return
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()
