"""Default promotion policies per risk tier (also frozen into migration 0002 for new databases)."""

from registry.choices import MODEL_CARD_FIELDS

DEFAULT_POLICIES = {
    "low": {
        "approvals_required": 1,
        "min_maturity_score": 0.3,
        "required_gates": ["model_card", "metrics"],
        "required_card_fields": ["intended_use"],
        "protected_aliases": [],
        "max_drift_check_age_days": 30,
        "independence": "none",
    },
    "medium": {
        "approvals_required": 1,
        "min_maturity_score": 0.5,
        "required_gates": ["model_card", "metrics", "maturity"],
        "required_card_fields": ["intended_use", "training_data", "evaluation_data"],
        "protected_aliases": [],
        "max_drift_check_age_days": 30,
        "independence": "none",
    },
    "high": {
        "approvals_required": 2,
        "min_maturity_score": 0.6,
        "required_gates": ["model_card", "metrics", "maturity", "drift"],
        "required_card_fields": list(MODEL_CARD_FIELDS),
        "protected_aliases": ["champion"],
        "max_drift_check_age_days": 30,
        "independence": "outside_team",
    },
    "critical": {
        "approvals_required": 3,
        "min_maturity_score": 0.75,
        "required_gates": ["model_card", "metrics", "maturity", "drift"],
        "required_card_fields": list(MODEL_CARD_FIELDS),
        "protected_aliases": ["champion"],
        "max_drift_check_age_days": 7,
        "independence": "outside_team",
    },
}
