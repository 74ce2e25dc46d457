from __future__ import annotations

from django.conf import settings
from django.db import models


class NotificationPreference(models.Model):
    """Which kinds of e-mail a person gets (all on until they switch one off on their profile page)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    request_opened = models.BooleanField(default=True)
    request_decided = models.BooleanField(default=True)
    production_alert = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user"]

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"
