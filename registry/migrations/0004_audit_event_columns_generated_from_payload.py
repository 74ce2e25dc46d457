"""Audit event columns become stored generated columns computed by the database from the hashed payload.

Before: every column was written by the application next to ``canonical`` and verification had to compare them row
by row. After: only ``canonical`` and ``hash`` are written; the database derives the rest, so a column cannot differ
from what was hashed. Rows stored before payloads were kept (0003) first get the payload their columns describe:
for an untouched row that is exactly what was hashed, and a row edited earlier keeps failing its hash.

Django cannot alter a column into a generated one, so each is removed and added again (a table rewrite each).
"""

from django.db import migrations, models

import registry.expressions

# (column, kind in the payload, output field, options) in the order of hashchain.HASHED_FIELDS.
GENERATED = [
    ("sequence", "bigint", models.BigIntegerField, {}, {"unique": True}),
    ("occurred_at", "timestamp", models.DateTimeField, {}, {"db_index": True}),
    ("actor_id", "bigint", models.BigIntegerField, {"null": True}, {"db_index": True}),
    ("actor_name", "text", models.TextField, {}, {}),
    ("request_id", "text", models.TextField, {}, {"db_index": True}),
    ("channel", "text", models.TextField, {}, {}),
    ("action", "text", models.TextField, {}, {"db_index": True}),
    ("object_type", "text", models.TextField, {}, {}),
    ("object_id", "text", models.TextField, {}, {}),
    ("object_repr", "text", models.TextField, {}, {}),
    ("model_id", "bigint", models.BigIntegerField, {"null": True}, {"db_index": True}),
    ("model_name", "text", models.TextField, {}, {}),
    ("before", "json", models.JSONField, {"null": True}, {}),
    ("after", "json", models.JSONField, {"null": True}, {}),
    ("prev_hash", "text", models.TextField, {}, {}),
]


def backfill_payloads(apps, schema_editor):
    from registry.domain import hashchain

    AuditEvent = apps.get_model("registry", "AuditEvent")
    legacy = AuditEvent.objects.filter(canonical="").order_by("sequence")
    if not legacy.exists():
        return
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:  # the append-only trigger; re-enabled below, inside the same transaction
        schema_editor.execute("ALTER TABLE registry_auditevent DISABLE TRIGGER registry_auditevent_no_update_delete")
    for event in legacy.values("pk", *hashchain.HASHED_FIELDS).iterator(chunk_size=2000):
        pk = event.pop("pk")
        event["occurred_at"] = event["occurred_at"].strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        payload = hashchain.canonical_bytes(event).decode("utf-8")
        AuditEvent.objects.filter(pk=pk).update(canonical=payload)
    if postgresql:
        schema_editor.execute("ALTER TABLE registry_auditevent ENABLE TRIGGER registry_auditevent_no_update_delete")


def _generated(key, kind, output, output_options, options):
    return models.GeneratedField(
        expression=registry.expressions.CanonicalValue(key, kind),
        output_field=output(**output_options),
        db_persist=True,
        **options,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0003_audit_event_canonical_payload"),
    ]

    operations = [
        migrations.RunPython(backfill_payloads, migrations.RunPython.noop),
        migrations.AlterField(model_name="auditevent", name="canonical", field=models.TextField()),
        *[migrations.RemoveField(model_name="auditevent", name=column) for column, *_ in GENERATED],
        *[
            migrations.AddField(model_name="auditevent", name=column, field=_generated(column, *spec))
            for column, *spec in GENERATED
        ],
    ]
