"""The audit chain head, append-only protection on PostgreSQL, and the default promotion policies."""

from django.db import migrations

CARD_ALL = [
    "intended_use", "out_of_scope_use", "training_data", "evaluation_data", "metrics", "ethical_considerations",
    "caveats",
]
DEFAULTS = {
    "low": dict(approvals_required=1, min_maturity_score=0.3, required_gates=["model_card", "metrics"],
                required_card_fields=["intended_use"], protected_aliases=[], max_drift_check_age_days=30),
    "medium": dict(approvals_required=1, min_maturity_score=0.5, required_gates=["model_card", "metrics", "maturity"],
                   required_card_fields=["intended_use", "training_data", "evaluation_data"], protected_aliases=[],
                   max_drift_check_age_days=30),
    "high": dict(approvals_required=2, min_maturity_score=0.6,
                 required_gates=["model_card", "metrics", "maturity", "drift"], required_card_fields=CARD_ALL,
                 protected_aliases=["champion"], max_drift_check_age_days=30),
    "critical": dict(approvals_required=3, min_maturity_score=0.75,
                     required_gates=["model_card", "metrics", "maturity", "drift"], required_card_fields=CARD_ALL,
                     protected_aliases=["champion"], max_drift_check_age_days=7),
}

# UPDATE and DELETE are always refused. TRUNCATE is refused unless the session explicitly opts in with
# SET mlops_gov.allow_audit_truncate = 'on' (test-database flushes; a documented operator action).
APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION registry_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('mlops_gov.allow_audit_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'registry_auditevent is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER registry_auditevent_no_update_delete BEFORE UPDATE OR DELETE ON registry_auditevent
    FOR EACH ROW EXECUTE FUNCTION registry_audit_append_only();
CREATE TRIGGER registry_auditevent_no_truncate BEFORE TRUNCATE ON registry_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION registry_audit_append_only();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS registry_auditevent_no_update_delete ON registry_auditevent;
DROP TRIGGER IF EXISTS registry_auditevent_no_truncate ON registry_auditevent;
DROP FUNCTION IF EXISTS registry_audit_append_only();
"""


def forwards(apps, schema_editor):
    apps.get_model("registry", "AuditChainHead").objects.get_or_create(pk=1)
    Policy = apps.get_model("registry", "PromotionPolicy")
    for tier, values in DEFAULTS.items():
        Policy.objects.get_or_create(risk_tier=tier, defaults=values)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
