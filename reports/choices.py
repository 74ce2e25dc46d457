from django.db import models


class ReportKind(models.TextChoices):
    MODEL = "model", "Model governance report"
    PORTFOLIO = "portfolio", "Portfolio report"


class ReportVariant(models.TextChoices):
    PDF_A = "pdf/a-3b", "PDF/A-3b (archival)"
    PDF = "pdf", "PDF"


class ReportTrigger(models.TextChoices):
    PAGE = "page", "Model page"
    API = "api", "API"
    ADMIN = "admin", "Admin"
    CLI = "cli", "Command line"
    PROMOTION = "promotion", "Promotion to production"
