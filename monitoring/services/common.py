"""What every monitoring service shares: upload limits, the permission guard, the governance events rules hear."""

from __future__ import annotations

from django.conf import settings

from mlops_gov.errors import PermissionError_
from monitoring.domain import ingest

# Registry actions forwarded to alert rules (CI/CD pipelines react to them).
GOVERNANCE_EVENTS = (
    "version.created",
    "version.stage_changed",
    "promotion.requested",
    "promotion.approved",
    "promotion.rejected",
    "promotion.applied",
    # An audit checkpoint that could not be published outside the database: auditors want to hear at once.
    "audit.checkpoint_publish_failed",
)


def limits() -> ingest.Limits:
    conf = settings.MLOPS_GOV
    return ingest.Limits(conf["UPLOAD_MAX_BYTES"], conf["UPLOAD_MAX_ROWS"], conf["UPLOAD_MAX_COLUMNS"])


def import_limits() -> ingest.Limits:
    """Limits of a Parquet dataset registered by URI, which a worker reads a column at a time (never whole)."""
    conf = settings.MLOPS_GOV
    return ingest.Limits(
        conf["DATASET_IMPORT_MAX_BYTES"], conf["DATASET_IMPORT_MAX_ROWS"], conf["DATASET_IMPORT_MAX_COLUMNS"]
    )


def require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionError_(message)
