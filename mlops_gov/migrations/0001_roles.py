"""Create the four roles as groups with their model permissions (kept in sync after every migrate)."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from mlops_gov.roles import sync_roles

    sync_roles(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("registry", "0002_audit_chain_and_policies"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
