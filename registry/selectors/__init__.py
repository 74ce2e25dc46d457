"""Registry reads: querysets shaped for each interface, with the related rows they need (no N+1).

The package is split along its seams (catalogue, policies, promotions, dashboard, list filters); every public name
stays importable as ``registry.selectors.X``.
"""

from registry.selectors.catalogue import (
    alias_list,
    audit_list,
    card_completeness,
    model_audit,
    model_list,
    state_as_of,
    version_get,
    version_list,
)
from registry.selectors.dashboard import (
    dashboard_cards,
    needs_me,
)
from registry.selectors.lists import (
    audit_filter,
    model_filter,
    ordered,
    request_filter,
)
from registry.selectors.policies import (
    is_protected_alias,
    policy_for,
    policy_of,
    protected_aliases,
)
from registry.selectors.promotions import (
    applied_summary,
    approval_progress,
    approvals_inbox,
    awaiting_count,
    eligible_approvers,
    gate_status,
    gate_summary,
    my_requests,
    open_requests_for,
    request_evidence,
    request_list,
    requests_awaiting,
    voided_approvals,
)

__all__ = [
    "alias_list",
    "applied_summary",
    "approval_progress",
    "approvals_inbox",
    "audit_filter",
    "audit_list",
    "awaiting_count",
    "card_completeness",
    "dashboard_cards",
    "eligible_approvers",
    "gate_status",
    "gate_summary",
    "is_protected_alias",
    "model_audit",
    "model_filter",
    "model_list",
    "my_requests",
    "needs_me",
    "open_requests_for",
    "ordered",
    "policy_for",
    "policy_of",
    "protected_aliases",
    "request_evidence",
    "request_filter",
    "request_list",
    "requests_awaiting",
    "state_as_of",
    "version_get",
    "version_list",
    "voided_approvals",
]
