"""Monitoring services: every write of the monitoring app (uploads, checks, configs, alerts, deliveries, routing),
each in one transaction with its audit event. Maths lives in ``monitoring.domain``, reads in
``monitoring.selectors``; tasks, views and the admin only call these.

The modules follow the app's seams; the names below are the app's public write API, so callers import
``from monitoring import services`` and stay unaware of the split."""

from mlops_gov.jobs import REQUEUE_QUEUED_AFTER
from monitoring.services.alerts import (
    DELIVERY_MAX_ATTEMPTS,
    alert_raise,
    delivery_attempt,
    delivery_retry,
    enqueue_deliveries,
    notify,
    on_governance_event,
    rules_for,
)
from monitoring.services.checks import (
    check_create,
    check_fail,
    check_report_build_request,
    check_report_html,
    check_run,
    enqueue_check,
)
from monitoring.services.common import GOVERNANCE_EVENTS, limits
from monitoring.services.config import config_update, drift_config_validate
from monitoring.services.datasets import dataset_upload
from monitoring.services.imports import (
    dataset_import_fail,
    dataset_import_request,
    dataset_import_run,
    enqueue_import,
)
from monitoring.services.routing import (
    ROUTABLE_EVENTS,
    alert_routing_delete,
    alert_routing_save,
    alert_routing_validate,
    alert_rule_cascade_audit,
)
from monitoring.services.shards import fan_out, merge, shard_fail, shard_run
from monitoring.services.storage import feature_specs, frame_to_parquet, read_frame, read_profile
from monitoring.services.sweep import stale_data_alerts, sweep

__all__ = [
    "DELIVERY_MAX_ATTEMPTS",
    "GOVERNANCE_EVENTS",
    "REQUEUE_QUEUED_AFTER",
    "ROUTABLE_EVENTS",
    "alert_raise",
    "alert_routing_delete",
    "alert_routing_save",
    "alert_routing_validate",
    "alert_rule_cascade_audit",
    "check_create",
    "check_fail",
    "check_report_build_request",
    "check_report_html",
    "check_run",
    "config_update",
    "dataset_import_fail",
    "dataset_import_request",
    "dataset_import_run",
    "dataset_upload",
    "delivery_attempt",
    "delivery_retry",
    "drift_config_validate",
    "enqueue_check",
    "enqueue_deliveries",
    "enqueue_import",
    "fan_out",
    "feature_specs",
    "frame_to_parquet",
    "limits",
    "merge",
    "notify",
    "on_governance_event",
    "read_frame",
    "read_profile",
    "rules_for",
    "shard_fail",
    "shard_run",
    "stale_data_alerts",
    "sweep",
]
