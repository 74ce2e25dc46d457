from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskTier(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Stage(models.TextChoices):
    NONE = "none", _("None")
    STAGING = "staging", _("Staging")
    PRODUCTION = "production", _("Production")
    ARCHIVED = "archived", _("Archived")


class RequestKind(models.TextChoices):
    STAGE = "stage", _("Move to production")
    ALIAS = "alias", _("Move a protected alias")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Independence(models.TextChoices):
    NONE = "none", _("Any approver but the requester")
    OUTSIDE_TEAM = "outside_team", _("Approvers from outside the model's owner and team")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


MODEL_CARD_FIELDS = (
    "intended_use",
    "out_of_scope_use",
    "training_data",
    "evaluation_data",
    "metrics",
    "ethical_considerations",
    "caveats",
)

# How the card's fields are named on pages and forms (the field names stay the stored keys).
MODEL_CARD_LABELS = {
    "intended_use": _("Intended use"),
    "out_of_scope_use": _("Out of scope use"),
    "training_data": _("Training data"),
    "evaluation_data": _("Evaluation data"),
    "metrics": _("Metrics"),
    "ethical_considerations": _("Ethical considerations"),
    "caveats": _("Caveats"),
}
