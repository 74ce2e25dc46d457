"""Notification reads: who wants which kind of e-mail."""

from __future__ import annotations

from collections.abc import Iterable

from mlops_gov.actors import Actor
from notifications.choices import NotificationKind
from notifications.models import NotificationPreference


def preference_for(user: Actor) -> NotificationPreference:
    """The user's preferences (unsaved defaults, everything on, when they never changed them)."""
    found = NotificationPreference.objects.filter(user=user).first()
    return found if found is not None else NotificationPreference(user=user)


def wanting(users: Iterable[Actor], kind: str) -> list[Actor]:
    """The users (with an e-mail address, active) who have not switched ``kind`` off."""
    if kind not in NotificationKind.values:
        raise ValueError(f"unknown notification kind {kind!r}")
    people = {u.pk: u for u in users if u.is_active and u.email}
    off = set(
        NotificationPreference.objects.filter(user_id__in=people, **{kind: False}).values_list("user_id", flat=True)
    )
    return [u for pk, u in sorted(people.items()) if pk not in off]
