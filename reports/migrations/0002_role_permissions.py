"""Grant the roles their report permissions now that the model exists (``mlops_gov.roles`` is the source)."""

from django.db import migrations


def sync(apps, schema_editor):
    from mlops_gov.roles import sync_roles

    sync_roles(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_governance_report"),
        ("mlops_gov", "0001_roles"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
