from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    REQUEST_OPENED = "request_opened", _("A promotion request I may decide is opened")
    REQUEST_DECIDED = "request_decided", _("My promotion request is approved, rejected or applied")
    PRODUCTION_ALERT = "production_alert", _("A production model of my team drifts or its data goes stale")
