from django.db import models


class RiskTier(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class Stage(models.TextChoices):
    NONE = "none", "None"
    STAGING = "staging", "Staging"
    PRODUCTION = "production", "Production"
    ARCHIVED = "archived", "Archived"


class RequestKind(models.TextChoices):
    STAGE = "stage", "Move to production"
    ALIAS = "alias", "Move a protected alias"


class RequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPLIED = "applied", "Applied"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Independence(models.TextChoices):
    NONE = "none", "Any approver but the requester"
    OUTSIDE_TEAM = "outside_team", "Approvers from outside the model's owner and team"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    REJECT = "reject", "Reject"


MODEL_CARD_FIELDS = (
    "intended_use",
    "out_of_scope_use",
    "training_data",
    "evaluation_data",
    "metrics",
    "ethical_considerations",
    "caveats",
)
