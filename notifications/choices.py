from django.db import models


class NotificationKind(models.TextChoices):
    REQUEST_OPENED = "request_opened", "A promotion request I may decide is opened"
    REQUEST_DECIDED = "request_decided", "My promotion request is approved, rejected or applied"
    PRODUCTION_ALERT = "production_alert", "A production model of my team drifts or its data goes stale"
