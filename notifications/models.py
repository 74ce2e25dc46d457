from __future__ import annotations

from django.conf import settings
from django.db import models


class NotificationPreference(models.Model):
    """A person's settings from their profile page: which kinds of e-mail they get (all on until they switch one
    off) and the language they read the product and its e-mails in (empty: the browser's)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    request_opened = models.BooleanField(default=True)
    request_decided = models.BooleanField(default=True)
    production_alert = models.BooleanField(default=True)
    # A code from settings.LANGUAGES (checked by the service, so the choices live in settings alone).
    language = models.CharField(max_length=16, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user"]

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"
