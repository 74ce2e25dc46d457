from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    MODEL = "model", _("Model governance report")
    PORTFOLIO = "portfolio", _("Portfolio report")


class ReportVariant(models.TextChoices):
    PDF_A = "pdf/a-3b", _("PDF/A-3b (archival)")
    PDF = "pdf", "PDF"


class ReportTrigger(models.TextChoices):
    PAGE = "page", _("Model page")
    API = "api", _("API")
    ADMIN = "admin", _("Admin")
    CLI = "cli", _("Command line")
    PROMOTION = "promotion", _("Promotion to production")
