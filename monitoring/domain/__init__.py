"""Monitoring domain maths (no Django imports): the reference profile and the Evidently-exact drift engine."""

from .drift import (
    STAT_TESTS,
    ColumnDrift,
    DriftConfig,
    DriftError,
    DriftResult,
    compute_drift,
    evidently_html_report,
)
from .profile import CATEGORICAL, NUMERICAL, TEXT, ColumnSpec, ProfileError, ReferenceProfile

__all__ = [
    "CATEGORICAL",
    "NUMERICAL",
    "STAT_TESTS",
    "TEXT",
    "ColumnDrift",
    "ColumnSpec",
    "DriftConfig",
    "DriftError",
    "DriftResult",
    "ProfileError",
    "ReferenceProfile",
    "compute_drift",
    "evidently_html_report",
]
