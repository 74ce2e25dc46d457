"""On SQLite, triggers refuse UPDATE and DELETE of audit events, as the PostgreSQL trigger (0002) does.

``registry.audit.sqlite`` holds the statements (later migrations that rebuild the table on SQLite run them again)
and explains the escape hatch the test runner's flush uses.
"""

from django.db import migrations

from registry.audit.sqlite import DROP_SQL, TRIGGERS_SQL

def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in TRIGGERS_SQL:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP_SQL:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0005_audit_links_covering_index"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
