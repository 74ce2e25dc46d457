"""Grant the roles their monitoring permissions now that the models exist (``mlops_gov.roles`` is the source)."""

from django.db import migrations


def sync(apps, schema_editor):
    from mlops_gov.roles import sync_roles

    sync_roles(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_periodic_sweep"),
        ("mlops_gov", "0001_roles"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
