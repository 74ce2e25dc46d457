"""Which language a person reads the product in (issue #16): English or Korean.

A signed-in person's saved choice comes first (it is copied into their session at log-in and whenever they switch,
so pages read it without a query), then the language cookie the switcher sets, then the browser's Accept-Language.
Work done for someone outside a request (e-mails, automatic reports) asks ``user_language``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.http import HttpRequest

SESSION_KEY = "mlops_gov_language"


def supported(language: str) -> bool:
    return language in dict(settings.LANGUAGES)


def saved_language(user: Any) -> str | None:
    """The language ``user`` chose and saved (a code from settings.LANGUAGES), or None."""
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    from notifications.models import NotificationPreference

    chosen = NotificationPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return chosen if chosen and supported(chosen) else None


def user_language(user: Any) -> str:
    """The language to address ``user`` in when no request says it: their saved choice, else the site's default."""
    return saved_language(user) or settings.LANGUAGE_CODE


def languages_of(users: Iterable[Any]) -> dict[Any, str]:
    """``user_language`` of each user (by primary key), in one query."""
    from notifications.models import NotificationPreference

    users = list(users)
    saved = dict(
        NotificationPreference.objects.filter(user_id__in=[u.pk for u in users])
        .exclude(language="")
        .values_list("user_id", "language")
    )
    return {u.pk: saved[u.pk] if supported(saved.get(u.pk, "")) else settings.LANGUAGE_CODE for u in users}


def session_language(request: HttpRequest) -> str | None:
    """The signed-in person's saved language, as remembered in their session (None: they chose none)."""
    session = getattr(request, "session", None)
    chosen = session.get(SESSION_KEY) if session is not None else None
    return chosen if isinstance(chosen, str) and supported(chosen) else None


def remember(request: HttpRequest, language: str | None) -> None:
    """Keep ``language`` in the session, so every next page of this log-in uses it (None or "": forget it)."""
    if language and supported(language):
        request.session[SESSION_KEY] = language
    else:
        request.session.pop(SESSION_KEY, None)


def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """user_logged_in: bring the person's saved language into the new session."""
    if request is not None and hasattr(request, "session"):
        remember(request, saved_language(user))
